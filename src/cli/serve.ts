import { mkdir, readFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { loadServeConfig, type ServeConfig, type ServeFlags } from '../config/serve-config.js';
import { StowageError } from '../errors/error.js';
import { createAccessController } from '../registry/server/auth/build.js';
import { createRegistryServer } from '../registry/server/server.js';
import { LEFTOVER_AGE_MS, sweepLeftovers } from '../registry/store/leftovers.js';
import { countUploads, purgeUploads } from '../registry/store/purge.js';
import { RegistryStore } from '../registry/store/registry.js';
import { createDriver } from '../storage/index.js';

export async function serve(configPath: string | undefined, options: Record<string, unknown>): Promise<void> {
  const flags: ServeFlags = {};
  if (typeof options.addr === 'string') flags.addr = options.addr;
  if (typeof options.root === 'string') flags.root = options.root;
  if (typeof options.delete === 'boolean') flags.delete = options.delete;
  if (typeof options.logLevel === 'string') flags.logLevel = options.logLevel;
  const config = await loadServeConfig(configPath, flags, process.env);
  for (const warning of config.warnings) process.stderr.write(`stowage: warning: ${warning}\n`);

  if (config.storage.kind === 'filesystem') await mkdir(config.storage.rootDirectory, { recursive: true });
  const store = new RegistryStore({ driver: createDriver(config.storage) });
  // Runtime auth problems go to the server's log once it exists.
  let logError = (message: string): void => void process.stderr.write(`stowage: ${message}\n`);
  const access = config.auth
    ? await createAccessController(config.auth, {
        ...(config.storage.kind === 'filesystem' ? { storageRoot: config.storage.rootDirectory } : {}),
        onError: (message) => logError(message),
      })
    : undefined;
  const app = createRegistryServer({
    store,
    policy: { deleteEnabled: config.deleteEnabled, maxManifestBytes: config.maxManifestBytes, maxCatalogEntries: config.maxCatalogEntries, automaticCrossMount: config.automaticCrossMount },
    logger: {
      level: config.logLevel,
      stream: process.stderr,
      // pino's `base` replaces its default fields: they are kept, the configured ones added.
      ...(config.logFields ? { base: { pid: process.pid, hostname: hostname(), ...config.logFields } } : {}),
    },
    logRequests: config.logRequests || config.logLevel === 'debug',
    ...(config.tls ? { tls: await readTls(config.tls) } : {}),
    http2: config.http2,
    limits: config.limits,
    origin: config.origin,
    ...(config.headers ? { headers: config.headers } : {}),
    readOnly: config.readOnly,
    ...(access ? { auth: access.controller } : {}),
  });
  logError = (message) => app.log.error(message);
  await app.listen({ host: config.host, port: config.port });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  const scheme = config.tls ? 'https' : 'http';
  const host = config.host.includes(':') ? `[${config.host}]` : config.host;
  process.stdout.write(`Stowage registry listening on ${scheme}://${host}:${port}\n`);
  const writes = config.readOnly ? 'read-only (every write refused)' : `deletes ${config.deleteEnabled ? 'enabled' : 'disabled'}`;
  process.stdout.write(`Storage: ${describeStorage(config)}; ${writes}\n`);
  process.stdout.write(`Access control: ${access ? access.description : 'none (anyone may pull, push and delete)'}\n`);

  // Read-only: another process (distribution's garbage collector) may own the root; nothing is deleted.
  if (!config.readOnly) scheduleMaintenance(app.log, store, config.uploadPurging && purgeAge(config.uploadPurging, config.limits.uploadSessionTtlMs));

  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    process.stdout.write(`${signal}: draining in-flight requests (up to ${config.drainTimeoutSeconds}s)\n`);
    // Past the grace period, exit anyway: unfinished uploads live under _uploads, never under a digest.
    const deadline = setTimeout(() => process.exit(0), config.drainTimeoutSeconds * 1000);
    deadline.unref();
    void app.close().then(() => process.exit(0));
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

/**
 * A session past limits.uploadsessionttl is refused by the server and can never be resumed,
 * so the purge need not wait for uploadpurging's (longer, by default) age to delete it.
 */
type Purging = NonNullable<ServeConfig['uploadPurging']>;

function purgeAge(purging: Purging, ttlMs: number): Purging {
  return { ...purging, ageSeconds: Math.min(purging.ageSeconds, ttlMs / 1000) };
}

type MaintenanceLog = { info: (o: object, m: string) => void; error: (o: object, m: string) => void };

/**
 * Background maintenance; never keeps the process alive. At start-up, and with every upload
 * purge, what a crash or a full disk left (sweepLeftovers) is removed once older than
 * LEFTOVER_AGE_MS: by age, not all of it before listening, because another `stowage serve` on
 * the same root may be writing right now, and a large root would delay the start. Abandoned
 * uploads are purged shortly after start and then every interval (uploadpurging).
 */
function scheduleMaintenance(log: MaintenanceLog, store: RegistryStore, purging: Purging | undefined): void {
  const sweep = (): void => {
    sweepLeftovers(store.driver, new Date(Date.now() - LEFTOVER_AGE_MS)).then(
      (removed) => Object.values(removed).some((n) => n > 0) && log.info(removed, 'removed leftovers of interrupted writes'),
      (err: unknown) => log.error({ err }, 'leftover sweep failed'),
    );
  };
  setImmediate(sweep).unref();
  if (!purging) return;
  const run = (): void => {
    const olderThan = new Date(Date.now() - purging.ageSeconds * 1000);
    if (purging.dryRun) {
      // uploadpurging.dryrun: report what would go, delete nothing.
      countUploads(store.driver, olderThan).then(
        (stale) => stale > 0 && log.info({ stale }, 'dry run: abandoned uploads that would be purged'),
        (err: unknown) => log.error({ err }, 'upload purge failed'),
      );
      return;
    }
    purgeUploads(store.driver, olderThan).then(
      (removed) => removed > 0 && log.info({ removed }, 'purged abandoned uploads'),
      (err: unknown) => log.error({ err }, 'upload purge failed'),
    );
  };
  setTimeout(run, 60_000).unref();
  setInterval(() => {
    run();
    sweep();
  }, purging.intervalSeconds * 1000).unref();
}

function describeStorage(config: ServeConfig): string {
  return config.storage.kind === 'filesystem' ? `filesystem at ${config.storage.rootDirectory}` : 'in memory (lost on exit)';
}

async function readTls(tls: { certificate: string; key: string }): Promise<{ cert: Buffer; key: Buffer }> {
  const read = async (what: string, path: string): Promise<Buffer> => {
    try {
      return await readFile(path);
    } catch (err) {
      throw new StowageError('CONFIG_INVALID', `cannot read TLS ${what} ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
    }
  };
  return { cert: await read('certificate', tls.certificate), key: await read('key', tls.key) };
}
