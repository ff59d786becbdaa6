import { constants } from 'node:fs';
import { access, readFile } from 'node:fs/promises';
import { parse as parseYaml } from 'yaml';
import { StowageError } from '../errors/error.js';
import type { DatabaseOptions } from '../database/options.js';
import type { DriverConfig } from '../storage/drivers.js';
import type { AuthSettings } from '../registry/server/auth/build.js';
import type { OriginSettings } from '../registry/server/auth/origin.js';
import type { GcConfig } from '../registry/server/gc-schedule.js';
import type { RegistryLimits } from '../registry/server/limits.js';
import type { ProxySettings } from '../registry/proxy/types.js';
import type { QuotaRule } from '../registry/usage/quota-rules.js';
import type { HealthSettings } from '../registry/health/settings.js';
import type { NotificationSettings } from '../registry/notify/types.js';
import type { LogFormatter } from '../registry/server/log-format.js';
import type { DebugSettings } from './debug-config.js';
import { applyEnvironment } from './environment.js';
import { KEYS, type ConfigFile } from './keys.js';
import { readKeys } from './read-keys.js';
import { resolveConfig } from './resolve.js';

/**
 * What `stowage serve` runs with, after the config file, the environment and the flags.
 * distribution's config.yml is read whole and strictly against one table of keys (keys.ts):
 * so a registry:2 deployment can point Stowage at its existing file, and a typo can never
 * make it listen elsewhere or run with deletes off.
 */
export interface ServeConfig {
  host: string;
  port: number;
  /** The one storage driver (src/storage/drivers.ts) and its options. */
  storage: DriverConfig;
  deleteEnabled: boolean;
  /** distribution's storage.maintenance.readonly: reads only, every write 405 UNSUPPORTED, no purge. */
  readOnly: boolean;
  tls?: { certificate: string; key: string };
  /** Offer HTTP/2 with TLS (distribution's `http.http2.disabled` negated). */
  http2: boolean;
  /** Resource limits: Stowage's `limits` section over the defaults of limits.ts. */
  limits: RegistryLimits;
  logLevel: string;
  /** An access log line per request (unless distribution's log.accesslog.disabled). */
  logRequests: boolean;
  /** distribution's log.formatter (default json: pino's lines, with logrus's field names). */
  logFormatter: LogFormatter;
  /** distribution's http.debug: the second listener for health, readiness and metrics; absent: none. */
  debug?: DebugSettings;
  /** distribution's health checks (storagedriver, file, http, tcp); absent: none enabled. */
  health?: HealthSettings;
  /** distribution's webhooks (`notifications.endpoints`), queued on disk; absent: no enabled endpoint. */
  notifications?: NotificationSettings;
  /** distribution's log.fields: added to every log line. */
  logFields?: Record<string, unknown>;
  /** Seconds in-flight requests get to finish on SIGTERM (distribution's http.draintimeout). */
  drainTimeoutSeconds: number;
  maxManifestBytes: number;
  /** Most entries in one catalog page (distribution's catalog.maxentries). */
  maxCatalogEntries: number;
  /** How the server names itself in URLs it sends: http.host, http.trustedproxies (auth/origin.ts). */
  origin: OriginSettings;
  /** distribution's http.headers: added to every response. */
  headers?: Record<string, string[]>;
  /** Abandoned uploads older than `ageSeconds` are deleted every `intervalSeconds` (only counted with `dryRun`); absent when disabled. */
  uploadPurging?: { ageSeconds: number; intervalSeconds: number; dryRun: boolean };
  /** Garbage collection (storage.maintenance.gc, .retention): its settings, and its interval when scheduled. */
  gc: GcConfig;
  /** Access control (`auth`, plus Stowage's `access` and `groups`); absent: an open registry. */
  auth?: AuthSettings;
  /** Stowage's `features.automaticcrossmount`: `POST ?mount=` without `from` finds the source (off by default). */
  automaticCrossMount: boolean;
  /** distribution's storage.redirect: blob GETs redirected to the driver's URL (S3), unless `disable`. */
  redirect: boolean;
  /** Stowage's `storage.quotas`: bytes per repository, first matching rule; absent: none. */
  quotas?: QuotaRule[];
  /** The pull-through cache (proxy-config.ts): distribution's `proxy`, or Stowage's `proxies`; absent: none. */
  proxy?: ProxySettings;
  /** The metadata index several replicas share (`database`); absent: storage is read for everything. */
  database?: DatabaseOptions;
  /** One line each, for stderr at start: keys and variables given but not implemented, harmlessly. */
  warnings: string[];
}

export interface ServeFlags {
  addr?: string;
  root?: string;
  delete?: boolean;
  logLevel?: string;
}

export async function loadServeConfig(configPath: string | undefined, flags: ServeFlags, env: NodeJS.ProcessEnv): Promise<ServeConfig> {
  const file = configPath ? await readConfigFile(configPath) : {};
  const overrides = applyEnvironment(file, env, KEYS);
  const where = (key: string): string => {
    // The variable that set this key, one inside it, or one of its sections.
    for (const [path, variable] of overrides.sources) {
      if (key === path || key.startsWith(`${path}.`) || path.startsWith(`${key}.`)) return `${variable}: `;
    }
    return configPath ? `config file ${configPath}: ` : '';
  };
  const { config, warnings } = readKeys<ConfigFile>(overrides.tree, KEYS, where);
  const resolved = resolveConfig(config, flags, configPath !== undefined, [...warnings, ...(overrides.warning ? [overrides.warning] : [])]);
  if (resolved.auth) await checkAuthFiles(resolved.auth);
  return resolved;
}

/** The file's YAML, as a mapping; one CONFIG_INVALID line when it cannot be read or parsed. */
async function readConfigFile(path: string): Promise<Record<string, unknown>> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new StowageError('CONFIG_INVALID', `cannot read config file ${path}: ${(err as Error).message}`);
  }
  let value: unknown;
  try {
    value = parseYaml(text) ?? {};
  } catch (err) {
    throw new StowageError('CONFIG_INVALID', `config file ${path} is not valid YAML: ${(err as Error).message.split('\n')[0]}`);
  }
  if (typeof value !== 'object' || Array.isArray(value) || value === null) {
    throw new StowageError('CONFIG_INVALID', `config file ${path}: expected a mapping of keys at the top`);
  }
  return value as Record<string, unknown>;
}

/** Every file the auth settings name must be readable now: a clear error at start, not a 500 later. */
async function checkAuthFiles(auth: AuthSettings): Promise<void> {
  const files: Array<[string, string | undefined]> = [
    ['auth.htpasswd.path', auth.htpasswd?.path],
    ['auth.token.rootcertbundle', auth.token?.rootCertBundle],
    ['auth.token.jwks', auth.token?.jwks],
    ['auth.token.builtin.htpasswd', auth.token?.builtin?.htpasswd],
    ['auth.token.builtin.key', auth.token?.builtin?.key],
  ];
  for (const [key, path] of files) {
    if (path === undefined) continue;
    try {
      await access(path, constants.R_OK);
    } catch (err) {
      throw new StowageError('CONFIG_INVALID', `${key}: cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
    }
  }
}

export { parseAddress } from './values.js';
