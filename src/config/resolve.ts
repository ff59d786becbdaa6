import { join } from 'node:path';
import { StowageError } from '../errors/error.js';
import type { AuthSettings } from '../registry/server/auth/build.js';
import { compileGlob } from '../registry/server/auth/glob.js';
import { checkPublicUrl, compileTrust } from '../registry/server/auth/origin.js';
import { ALGORITHMS } from '../registry/server/auth/token.js';
import { resolveLimits, type RegistryLimits } from '../registry/server/limits.js';
import { gcUnsupported } from '../registry/gc/unsupported.js';
import { createDriver } from '../storage/drivers.js';
import { filesystemDriver } from '../storage/fs/definition.js';
import type { ProxySettings } from '../registry/proxy/types.js';
import type { DatabaseOptions } from '../database/options.js';
import { resolveDebug, type DebugSettings } from './debug-config.js';
import { resolveGc } from './gc-config.js';
import { resolveHealth } from './health-config.js';
import { resolveNotifications, type NotificationSettings } from './notifications-config.js';
import type { HealthSettings } from '../registry/health/settings.js';
import { resolveProxy } from './proxy-config.js';
import { LOG_LEVELS, type ConfigFile } from './keys.js';
import type { ServeConfig, ServeFlags } from './serve-config.js';
import { namedDriver } from './storage-keys.js';
import { count, parseAddress, parseDuration, positive } from './values.js';

/** Default token lifetime of the built-in issuer. */
const DEFAULT_TOKEN_EXPIRATION = 300;

/** The file's keys (already checked against the table), the flags over them: what `stowage serve` runs with. */
export function resolveConfig(config: ConfigFile, flags: ServeFlags, fromFile: boolean, warnings: string[]): ServeConfig {
  const auth = resolveAuth(config);
  const storage = config.storage ?? {};
  const http = config.http ?? {};
  const { host, port } = parseAddress(flags.addr ?? http.addr ?? '127.0.0.1:5000');
  const tls = http.tls;
  if (tls && (tls.certificate === undefined) !== (tls.key === undefined)) {
    throw new StowageError('CONFIG_INVALID', 'http.tls needs both certificate and key');
  }
  const readOnly = storage.maintenance?.readonly?.enabled === true;
  if (http.trustedproxies) compileTrust(http.trustedproxies);
  const driver = resolveStorage(storage, flags, fromFile);
  const gc = resolveGc(storage.maintenance, readOnly, warnings);
  // Opening a driver makes no request (S3 connects on first use): this only asks what it can do.
  // With a database, uses are recorded there instead (registry/store/use-ledger.ts).
  if (gc.intervalMs !== undefined && createDriver(driver).touchCopies && !resolveDatabase(config.database).database) {
    throw new StowageError('CONFIG_INVALID', `storage.maintenance.gc.enabled: ${gcUnsupported(driver.kind).message}`);
  }
  return {
    host,
    port,
    storage: driver,
    // distribution's default is off; without any config file Stowage is a dev registry with deletes on.
    deleteEnabled: flags.delete ?? storage.delete?.enabled ?? !fromFile,
    readOnly,
    ...(tls?.certificate && tls.key ? { tls: { certificate: tls.certificate, key: tls.key } } : {}),
    http2: http.http2?.disabled !== true,
    limits: resolveLimitsSection(config.limits ?? {}),
    logLevel: resolveLogLevel(flags.logLevel, config),
    // distribution's default: an access log line per request unless log.accesslog.disabled.
    logRequests: config.log?.accesslog?.disabled !== true,
    logFormatter: config.log?.formatter ?? 'json',
    ...(config.log?.fields ? { logFields: config.log.fields } : {}),
    ...withDebug(resolveDebug(http)),
    ...withHealth(resolveHealth(config.health)),
    ...withNotifications(resolveNotifications(config.notifications, notificationQueueDefault(driver)), driver.kind),
    drainTimeoutSeconds: parseDuration(http.draintimeout ?? '30s', 'http.draintimeout'),
    maxManifestBytes: 4 * 1024 * 1024,
    maxCatalogEntries: config.catalog?.maxentries === undefined ? 1000 : count('catalog.maxentries', config.catalog.maxentries),
    origin: {
      ...(http.host ? { url: checkPublicUrl(http.host) } : {}),
      ...(http.trustedproxies ? { trustedProxies: http.trustedproxies } : {}),
    },
    ...(http.headers ? { headers: http.headers } : {}),
    // Stowage's features.automaticcrossmount: `POST ?mount=` without `from` finds the source (off by default).
    automaticCrossMount: config.features?.automaticcrossmount === true,
    redirect: storage.redirect?.disable !== true,
    // As distribution: a read-only registry deletes nothing, abandoned uploads included.
    ...(readOnly ? {} : uploadPurging(storage.maintenance?.uploadpurging)),
    gc,
    ...(auth ? { auth } : {}),
    ...(storage.quotas?.length ? { quotas: checkQuotaPatterns(storage.quotas) } : {}),
    ...withProxy(resolveProxy(config, readOnly)),
    ...resolveDatabase(config.database),
    warnings,
  };
}

/** `database`: a PostgreSQL DSN (`enabled: false` keeps the section without using it, as GitLab's registry reads it). */
function resolveDatabase(section: ConfigFile['database']): { database?: DatabaseOptions } {
  if (!section || section.enabled === false) return {};
  if (!section.dsn) throw new StowageError('CONFIG_INVALID', 'database.dsn is required (postgres://user:password@host:port/dbname)');
  let protocol: string;
  try {
    protocol = new URL(section.dsn).protocol;
  } catch {
    throw new StowageError('CONFIG_INVALID', 'database.dsn: not a URL (postgres://user:password@host:port/dbname)');
  }
  if (protocol !== 'postgres:' && protocol !== 'postgresql:') {
    throw new StowageError('CONFIG_INVALID', `database.dsn: expected a postgres:// URL, not ${protocol.slice(0, 20)}//…`);
  }
  const maxopen = section.pool?.maxopen;
  return {
    database: {
      dsn: section.dsn,
      ...(maxopen !== undefined ? { maxConnections: positive('database.pool.maxopen', count('database.pool.maxopen', maxopen)) } : {}),
    },
  };
}

/** Where webhook queues live by default: beside the data on a filesystem root; elsewhere the operator says (one directory per replica). */
function notificationQueueDefault(driver: ServeConfig['storage']): string {
  return driver.kind === 'filesystem' ? join(String(driver.rootDirectory), '_stowage', 'notifications') : '';
}

function withNotifications(notifications: NotificationSettings | undefined, driver: string): { notifications?: NotificationSettings } {
  if (!notifications) return {};
  if (notifications.queueDirectory === '') {
    throw new StowageError(
      'CONFIG_INVALID',
      `notifications.queuedirectory is required with the ${driver} storage driver: a local directory where this replica queues its events`,
    );
  }
  return { notifications };
}

function withHealth(health: HealthSettings | undefined): { health?: HealthSettings } {
  return health ? { health } : {};
}

function withDebug(debug: DebugSettings | undefined): { debug?: DebugSettings } {
  return debug ? { debug } : {};
}

function withProxy(proxy: ProxySettings | undefined): { proxy?: ProxySettings } {
  return proxy ? { proxy } : {};
}

/**
 * Exactly one driver (storage-keys.ts). A config file must name one (distribution refuses a
 * config without it): falling back to ./data would put a production registry's data somewhere
 * nobody chose. `--root` is the filesystem driver's root, whatever the file names.
 */
function resolveStorage(storage: NonNullable<ConfigFile['storage']>, flags: ServeFlags, fromFile: boolean): ServeConfig['storage'] {
  const named = namedDriver(storage);
  if (flags.root !== undefined) return { kind: 'filesystem', ...filesystemDriver.options({ rootdirectory: flags.root }) };
  if (named) return named;
  if (fromFile) {
    throw new StowageError('CONFIG_INVALID', 'the config names no storage: set storage.filesystem.rootdirectory (or storage.inmemory), or give --root');
  }
  return { kind: 'filesystem', ...filesystemDriver.options({ rootdirectory: './data' }) };
}

function resolveLogLevel(flag: string | undefined, config: ConfigFile): string {
  if (flag !== undefined) {
    const level = flag.toLowerCase();
    if (!(LOG_LEVELS as readonly string[]).includes(level)) {
      throw new StowageError('CONFIG_INVALID', `--log-level: expected one of ${LOG_LEVELS.join(', ')}, not "${flag.slice(0, 40)}"`);
    }
    return level;
  }
  return config.log?.level ?? config.loglevel ?? 'info';
}

/**
 * distribution allows one auth kind; Stowage implements `htpasswd` and `token` (the table
 * refuses the others rather than start an open registry in their place).
 */
function resolveAuth(config: ConfigFile): AuthSettings | undefined {
  const section = config.auth ?? {};
  const kinds = (['htpasswd', 'token'] as const).filter((kind) => section[kind] !== undefined);
  if (kinds.length > 1) throw new StowageError('CONFIG_INVALID', 'auth: configure one of htpasswd and token, not both');
  const rules = config.access ?? undefined;
  const groups = config.groups ?? undefined;
  if (kinds.length === 0) {
    if (rules?.length || groups) throw new StowageError('CONFIG_INVALID', 'access and groups need an auth section (htpasswd or token) to know who is asking');
    return undefined;
  }
  const policy = { ...(rules ? { access: rules } : {}), ...(groups ? { groups } : {}) };
  const { htpasswd, token } = section;
  if (htpasswd) {
    if (!htpasswd.path) throw new StowageError('CONFIG_INVALID', 'auth.htpasswd.path is required (the htpasswd file)');
    return { htpasswd: { realm: htpasswd.realm ?? 'Stowage Registry', path: htpasswd.path }, ...policy };
  }
  if (!token) return undefined;
  if (!token.service) throw new StowageError('CONFIG_INVALID', 'auth.token.service is required (the audience tokens are issued for)');
  if (!token.issuer) throw new StowageError('CONFIG_INVALID', 'auth.token.issuer is required (the issuer tokens must name)');
  if (!token.builtin && !token.realm)
    throw new StowageError('CONFIG_INVALID', 'auth.token.realm is required (the token server clients are sent to), unless auth.token.builtin is set');
  if (!token.builtin && !token.rootcertbundle && !token.jwks)
    throw new StowageError('CONFIG_INVALID', 'auth.token needs rootcertbundle or jwks to verify token signatures, unless auth.token.builtin is set');
  const refused = token.signingalgorithms?.find((alg) => !ALGORITHMS.includes(alg));
  if (refused !== undefined) {
    throw new StowageError(
      'CONFIG_INVALID',
      `auth.token.signingalgorithms: ${refused.slice(0, 20)} is not accepted (asymmetric only: ${ALGORITHMS.join(', ')})`,
    );
  }
  let builtin: NonNullable<AuthSettings['token']>['builtin'];
  if (token.builtin) {
    if (!token.builtin.htpasswd) throw new StowageError('CONFIG_INVALID', 'auth.token.builtin.htpasswd is required (who may log in)');
    const expirationSeconds = parseDuration(token.builtin.expiration ?? DEFAULT_TOKEN_EXPIRATION, 'auth.token.builtin.expiration');
    // token.md, "Token Response Fields": never less than 60 seconds to live.
    if (expirationSeconds < 60) throw new StowageError('CONFIG_INVALID', 'auth.token.builtin.expiration must be at least 60 seconds (token.md)');
    builtin = { htpasswd: token.builtin.htpasswd, expirationSeconds, ...(token.builtin.key ? { key: token.builtin.key } : {}) };
  }
  return {
    token: {
      service: token.service,
      issuer: token.issuer,
      ...(token.realm ? { realm: token.realm } : {}),
      ...(token.rootcertbundle ? { rootCertBundle: token.rootcertbundle } : {}),
      ...(token.jwks ? { jwks: token.jwks } : {}),
      ...(token.signingalgorithms ? { signingAlgorithms: token.signingalgorithms } : {}),
      ...(builtin ? { builtin } : {}),
    },
    ...policy,
  };
}

/** distribution's defaults: on, uploads older than 168h, checked every 24h. */
function uploadPurging(
  section: { enabled?: boolean; age?: string | number; interval?: string | number; dryrun?: boolean } | undefined,
): Pick<ServeConfig, 'uploadPurging'> {
  if (section?.enabled === false) return {};
  return {
    uploadPurging: {
      ageSeconds: parseDuration(section?.age ?? '168h', 'storage.maintenance.uploadpurging.age'),
      intervalSeconds: positive(
        'storage.maintenance.uploadpurging.interval',
        parseDuration(section?.interval ?? '24h', 'storage.maintenance.uploadpurging.interval'),
      ),
      dryRun: section?.dryrun === true,
    },
  };
}

/** Quota patterns are access patterns (glob.ts); a bad one is refused naming its key. */
function checkQuotaPatterns(rules: NonNullable<NonNullable<ConfigFile['storage']>['quotas']>): NonNullable<ServeConfig['quotas']> {
  for (const [i, rule] of rules.entries()) {
    for (const [j, pattern] of rule.repositories.entries()) {
      try {
        compileGlob(pattern);
      } catch (err) {
        throw new StowageError('CONFIG_INVALID', `storage.quotas.${i}.repositories.${j}: ${(err as Error).message}`, {
          key: `storage.quotas.${i}.repositories.${j}`,
        });
      }
    }
  }
  return rules;
}

type LimitsSection = NonNullable<ConfigFile['limits']>;

/** The `limits` section over the defaults; a bad value is one CONFIG_INVALID naming its key. */
function resolveLimitsSection(section: LimitsSection): RegistryLimits {
  const out: Partial<RegistryLimits> = {};
  const milliseconds = (key: keyof LimitsSection, value: string | number | undefined): number | undefined =>
    value === undefined ? undefined : positive(`limits.${key}`, Math.round(parseDuration(value, `limits.${key}`) * 1000));
  const counted = (key: keyof LimitsSection, value: string | number | undefined): number | undefined =>
    value === undefined ? undefined : count(`limits.${key}`, value);
  const set = <K extends keyof RegistryLimits>(key: K, value: number | undefined): void => {
    if (value !== undefined) out[key] = value;
  };
  set('headersTimeoutMs', milliseconds('headerstimeout', section.headerstimeout));
  set('idleTimeoutMs', milliseconds('idletimeout', section.idletimeout));
  set('maxHeaderBytes', counted('maxheaderbytes', section.maxheaderbytes));
  set('maxConcurrentUploadsPerClient', counted('uploadsperclient', section.uploadsperclient));
  set('uploadSessionTtlMs', milliseconds('uploadsessionttl', section.uploadsessionttl));
  return resolveLimits(out);
}
