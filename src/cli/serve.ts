import { registryOptions } from '../config/registry-options.js';
import { loadServeConfig, type ServeFlags } from '../config/serve-config.js';
import type { ProxySettings } from '../registry/proxy/types.js';
import { stderrDestination } from '../registry/server/log-format.js';
import { Registry } from '../registry/server/registry.js';

/** `stowage serve`: flags and config file → one Registry → its start-up lines; SIGTERM/SIGINT drain it. */
export async function serve(configPath: string | undefined, options: Record<string, unknown>): Promise<void> {
  const flags: ServeFlags = {};
  if (typeof options.addr === 'string') flags.addr = options.addr;
  if (typeof options.root === 'string') flags.root = options.root;
  if (typeof options.delete === 'boolean') flags.delete = options.delete;
  if (typeof options.logLevel === 'string') flags.logLevel = options.logLevel;
  const config = await loadServeConfig(configPath, flags, process.env);
  for (const warning of config.warnings) process.stderr.write(`stowage: warning: ${warning}\n`);

  const log = stderrDestination();
  const registry = new Registry(await registryOptions(config, log));
  const started = await registry.start();
  process.stdout.write(`Stowage registry listening on ${started.url}\n`);
  const writes = config.readOnly ? 'read-only (every write refused)' : `deletes ${config.deleteEnabled ? 'enabled' : 'disabled'}`;
  process.stdout.write(`Storage: ${started.storage}; ${writes}\n`);
  process.stdout.write(`Access control: ${started.access}\n`);
  if (started.database) process.stdout.write(`Database: ${started.database}\n`);
  if (started.debug) process.stdout.write(`Debug server: ${started.debug} (${debugRoutes(config)})\n`);
  if (config.proxy) process.stdout.write(`Pull-through cache: ${describeProxy(config.proxy)}\n`);

  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    process.stdout.write(`${signal}: draining in-flight requests (up to ${config.drainTimeoutSeconds}s)\n`);
    void registry.shutdown().then(() => {
      log.flushSync();
      process.exit(0);
    });
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

function debugRoutes(config: { debug?: { prometheus?: { path: string } } }): string {
  const metrics = config.debug?.prometheus ? `, metrics at ${config.debug.prometheus.path}` : '';
  return `/debug/health, /livez, /readyz${metrics}`;
}

/** `docker.io → https://registry-1.docker.io (default), ghcr.io → https://ghcr.io`, or the whole registry's one upstream. */
function describeProxy(proxy: ProxySettings): string {
  const [only] = proxy.upstreams;
  if (only && only.host === undefined) return `every repository, from ${only.remoteUrl} (distribution's proxy mode: pushes refused)`;
  return proxy.upstreams.map((u) => `${u.host} → ${u.remoteUrl}${u.host === proxy.defaultHost ? ' (default)' : ''}`).join(', ');
}
