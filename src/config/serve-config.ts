import { constants } from 'node:fs';
import { access, readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { StowageError } from '../errors/error.js';
import { AccessRuleSchema, GroupsSchema } from '../registry/server/auth/access.js';
import type { AuthSettings } from '../registry/server/auth/build.js';
import { resolveLimits, type RegistryLimits } from '../registry/server/limits.js';

/** What `stowage serve` runs with, after the config file, the environment and the flags. */
export interface ServeConfig {
  host: string;
  port: number;
  storage: { kind: 'filesystem'; rootDirectory: string } | { kind: 'inmemory' };
  deleteEnabled: boolean;
  tls?: { certificate: string; key: string };
  /** Offer HTTP/2 with TLS (distribution's `http.http2.disabled` negated). */
  http2: boolean;
  /** Resource limits: Stowage's `limits` section over the defaults of limits.ts. */
  limits: RegistryLimits;
  logLevel: string;
  /** Seconds in-flight requests get to finish on SIGTERM (distribution's http.draintimeout). */
  drainTimeoutSeconds: number;
  maxManifestBytes: number;
  /** Abandoned uploads older than `ageSeconds` are deleted every `intervalSeconds`; absent when disabled. */
  uploadPurging?: { ageSeconds: number; intervalSeconds: number };
  /** Access control (`auth`, plus Stowage's `access` and `groups`); absent: an open registry. */
  auth?: AuthSettings;
  /** Stowage's `features.automaticcrossmount`: `POST ?mount=` without `from` finds the source (off by default). */
  automaticCrossMount: boolean;
}

export interface ServeFlags {
  addr?: string;
  root?: string;
  delete?: boolean;
  logLevel?: string;
}

/**
 * The subset of distribution's config.yml that Stowage honours, so a registry:2 deployment can
 * point Stowage at its existing file. Keys Stowage does not implement are refused when they
 * would change security or where data goes (another auth kind, another storage driver), and
 * ignored when they are tuning (cache, maintenance, health, headers...).
 */
const Duration = z.union([z.string(), z.number()]);

const DistributionConfig = z.looseObject({
  version: z.union([z.string(), z.number()]).optional(),
  log: z.looseObject({ level: z.string().optional() }).optional(),
  storage: z
    .looseObject({
      filesystem: z.looseObject({ rootdirectory: z.string().min(1) }).optional(),
      inmemory: z.unknown().optional(),
      delete: z.looseObject({ enabled: z.boolean().optional() }).optional(),
      maintenance: z
        .looseObject({
          uploadpurging: z
            .looseObject({
              enabled: z.boolean().optional(),
              age: z.union([z.string(), z.number()]).optional(),
              interval: z.union([z.string(), z.number()]).optional(),
            })
            .optional(),
        })
        .optional(),
    })
    .optional(),
  http: z
    .looseObject({
      addr: z.string().optional(),
      draintimeout: z.union([z.string(), z.number()]).optional(),
      tls: z.looseObject({ certificate: z.string().optional(), key: z.string().optional() }).optional(),
      http2: z.looseObject({ disabled: z.boolean().optional() }).optional(),
    })
    .optional(),
  auth: z
    .looseObject({
      htpasswd: z.strictObject({ realm: z.string().min(1).optional(), path: z.string().min(1) }).optional(),
      token: z
        .looseObject({
          realm: z.string().min(1).optional(),
          service: z.string().min(1),
          issuer: z.string().min(1),
          rootcertbundle: z.string().min(1).optional(),
          jwks: z.string().min(1).optional(),
          // Stowage's extension: the token server in this process (README, "Access control").
          builtin: z
            .strictObject({
              htpasswd: z.string().min(1),
              expiration: z.union([z.string(), z.number()]).optional(),
              key: z.string().min(1).optional(),
            })
            .optional(),
        })
        .optional(),
    })
    .nullable()
    .optional(),
  // Stowage's own sections: who may do what (src/registry/server/auth/access.ts).
  access: z.array(AccessRuleSchema).nullable().optional(),
  groups: GroupsSchema.nullable().optional(),
  // Stowage's own: resource limits (src/registry/server/limits.ts). Strict, so a misspelt
  // limit is an error rather than a limit silently left at its default.
  limits: z
    .strictObject({
      headerstimeout: Duration.optional(),
      idletimeout: Duration.optional(),
      maxheaderbytes: z.union([z.number(), z.string()]).optional(),
      uploadsperclient: z.union([z.number(), z.string()]).optional(),
      uploadsessionttl: Duration.optional(),
    })
    .nullable()
    .optional(),
  // Stowage's own: opt-in behaviours the spec allows but distribution lacks.
  features: z.strictObject({ automaticcrossmount: z.boolean().optional() }).nullable().optional(),
  proxy: z.unknown().optional(),
});
type DistributionConfig = z.infer<typeof DistributionConfig>;

const UNSUPPORTED_STORAGE = ['s3', 'azure', 'gcs', 'swift', 'oss'];

export async function loadServeConfig(
  configPath: string | undefined,
  flags: ServeFlags,
  env: NodeJS.ProcessEnv,
): Promise<ServeConfig> {
  const file = configPath ? await readConfigFile(configPath) : {};
  const merged = applyEnvironment(file, env);
  const config = resolveConfig(merged, flags, configPath !== undefined);
  if (config.auth) await checkAuthFiles(config.auth);
  return config;
}

async function readConfigFile(path: string): Promise<DistributionConfig> {
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
  const result = DistributionConfig.safeParse(value);
  if (!result.success) {
    const issue = result.error.issues[0];
    throw new StowageError('CONFIG_INVALID', `config file ${path}: ${issue?.path.join('.') || '(root)'}: ${issue?.message}`);
  }
  return result.data;
}

/** distribution's REGISTRY_<PATH> variables, for the keys Stowage reads. */
function applyEnvironment(config: DistributionConfig, env: NodeJS.ProcessEnv): DistributionConfig {
  const out: DistributionConfig = structuredClone(config);
  const set = (value: string | undefined, apply: (v: string) => void): void => {
    if (value !== undefined && value !== '') apply(value);
  };
  set(env.REGISTRY_HTTP_ADDR, (v) => ((out.http ??= {}).addr = v));
  set(env.REGISTRY_HTTP_DRAINTIMEOUT, (v) => ((out.http ??= {}).draintimeout = v));
  set(env.REGISTRY_HTTP_TLS_CERTIFICATE, (v) => (((out.http ??= {}).tls ??= {}).certificate = v));
  set(env.REGISTRY_HTTP_TLS_KEY, (v) => (((out.http ??= {}).tls ??= {}).key = v));
  set(env.REGISTRY_STORAGE_FILESYSTEM_ROOTDIRECTORY, (v) => (((out.storage ??= {}).filesystem ??= { rootdirectory: v }).rootdirectory = v));
  set(env.REGISTRY_STORAGE_DELETE_ENABLED, (v) => (((out.storage ??= {}).delete ??= {}).enabled = v === 'true'));
  set(env.REGISTRY_LOG_LEVEL, (v) => ((out.log ??= {}).level = v));
  set(env.REGISTRY_HTTP_HTTP2_DISABLED, (v) => (((out.http ??= {}).http2 ??= {}).disabled = v === 'true'));
  set(env.REGISTRY_FEATURES_AUTOMATICCROSSMOUNT, (v) => ((out.features ??= {}).automaticcrossmount = v === 'true'));
  for (const key of LIMIT_KEYS) set(env[`REGISTRY_LIMITS_${key.toUpperCase()}`], (v) => ((out.limits ??= {})[key] = v));
  return out;
}

function resolveConfig(config: DistributionConfig, flags: ServeFlags, fromFile: boolean): ServeConfig {
  const auth = resolveAuth(config);
  if (config.proxy !== undefined && config.proxy !== null) {
    throw new StowageError('CONFIG_INVALID', 'the proxy section (pull-through cache) is not supported yet');
  }
  const storage = config.storage ?? {};
  const other = UNSUPPORTED_STORAGE.find((key) => key in storage);
  if (other) throw new StowageError('CONFIG_INVALID', `storage driver "${other}" is not supported yet (filesystem and inmemory are)`);

  const { host, port } = parseAddress(flags.addr ?? config.http?.addr ?? '127.0.0.1:5000');
  const root = flags.root ?? storage.filesystem?.rootdirectory;
  const inMemory = root === undefined && storage.inmemory !== undefined;
  const tls = config.http?.tls;
  if (tls && (tls.certificate === undefined) !== (tls.key === undefined)) {
    throw new StowageError('CONFIG_INVALID', 'http.tls needs both certificate and key');
  }
  return {
    host,
    port,
    storage: inMemory ? { kind: 'inmemory' } : { kind: 'filesystem', rootDirectory: resolve(root ?? './data') },
    // distribution's default is off; without any config file Stowage is a dev registry with deletes on.
    deleteEnabled: flags.delete ?? storage.delete?.enabled ?? !fromFile,
    ...(tls?.certificate && tls.key ? { tls: { certificate: tls.certificate, key: tls.key } } : {}),
    http2: config.http?.http2?.disabled !== true,
    limits: resolveLimitsSection(config.limits ?? {}),
    logLevel: flags.logLevel ?? config.log?.level ?? 'info',
    drainTimeoutSeconds: parseDuration(config.http?.draintimeout ?? '30s'),
    maxManifestBytes: 4 * 1024 * 1024,
    ...uploadPurging(storage.maintenance?.uploadpurging),
    ...(auth ? { auth } : {}),
    automaticCrossMount: config.features?.automaticcrossmount === true,
  };
}

/** Default token lifetime of the built-in issuer. */
const DEFAULT_TOKEN_EXPIRATION = 300;

/**
 * distribution allows one auth kind; Stowage implements `htpasswd` and `token` and refuses
 * the others (`silly`, plugins) rather than start an open registry in their place.
 */
function resolveAuth(config: DistributionConfig): AuthSettings | undefined {
  const section = config.auth ?? {};
  const kinds = Object.keys(section).filter((k) => (section as Record<string, unknown>)[k] != null);
  const unknown = kinds.find((k) => k !== 'htpasswd' && k !== 'token');
  if (unknown) throw new StowageError('CONFIG_INVALID', `auth.${unknown} is not supported (htpasswd and token are): refusing to start an open registry in its place`);
  if (kinds.length > 1) throw new StowageError('CONFIG_INVALID', 'auth: configure one of htpasswd and token, not both');
  const rules = config.access ?? undefined;
  const groups = config.groups ?? undefined;
  if (kinds.length === 0) {
    if (rules?.length || groups) throw new StowageError('CONFIG_INVALID', 'access and groups need an auth section (htpasswd or token) to know who is asking');
    return undefined;
  }
  const policy = { ...(rules ? { access: rules } : {}), ...(groups ? { groups } : {}) };
  const { htpasswd, token } = section;
  if (htpasswd) return { htpasswd: { realm: htpasswd.realm ?? 'Stowage Registry', path: htpasswd.path }, ...policy };
  if (!token) return undefined;
  if (!token.builtin && !token.realm) throw new StowageError('CONFIG_INVALID', 'auth.token.realm is required (the token server clients are sent to), unless auth.token.builtin is set');
  if (!token.builtin && !token.rootcertbundle && !token.jwks) throw new StowageError('CONFIG_INVALID', 'auth.token needs rootcertbundle or jwks to verify token signatures, unless auth.token.builtin is set');
  let builtin: NonNullable<AuthSettings['token']>['builtin'];
  if (token.builtin) {
    const expirationSeconds = parseDuration(token.builtin.expiration ?? DEFAULT_TOKEN_EXPIRATION);
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
      ...(builtin ? { builtin } : {}),
    },
    ...policy,
  };
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

/** distribution's defaults: on, uploads older than 168h, checked every 24h. */
function uploadPurging(
  section: { enabled?: boolean; age?: string | number; interval?: string | number } | undefined,
): Pick<ServeConfig, 'uploadPurging'> {
  if (section?.enabled === false) return {};
  return {
    uploadPurging: {
      ageSeconds: parseDuration(section?.age ?? '168h'),
      intervalSeconds: parseDuration(section?.interval ?? '24h'),
    },
  };
}

type LimitsSection = NonNullable<DistributionConfig['limits']>;
const LIMIT_KEYS = ['headerstimeout', 'idletimeout', 'maxheaderbytes', 'uploadsperclient', 'uploadsessionttl'] as const;

/** The `limits` section over the defaults; a bad value is one CONFIG_INVALID naming its key. */
function resolveLimitsSection(section: LimitsSection): RegistryLimits {
  const out: Partial<RegistryLimits> = {};
  const milliseconds = (key: keyof LimitsSection, value: string | number | undefined): number | undefined =>
    value === undefined ? undefined : positive(key, Math.round(parseDuration(value, `limits.${key}`) * 1000));
  const count = (key: keyof LimitsSection, value: string | number | undefined): number | undefined =>
    value === undefined ? undefined : positive(key, typeof value === 'number' ? value : Number(value.trim() || NaN));
  const set = <K extends keyof RegistryLimits>(key: K, value: number | undefined): void => {
    if (value !== undefined) out[key] = value;
  };
  set('headersTimeoutMs', milliseconds('headerstimeout', section.headerstimeout));
  set('idleTimeoutMs', milliseconds('idletimeout', section.idletimeout));
  set('maxHeaderBytes', count('maxheaderbytes', section.maxheaderbytes));
  set('maxConcurrentUploadsPerClient', count('uploadsperclient', section.uploadsperclient));
  set('uploadSessionTtlMs', milliseconds('uploadsessionttl', section.uploadsessionttl));
  return resolveLimits(out);
}

function positive(key: string, value: number): number {
  if (!Number.isSafeInteger(value) || value <= 0) {
    throw new StowageError('CONFIG_INVALID', `limits.${key} must be a positive whole number (a count, or a duration such as 30s), not ${String(value)}`);
  }
  return value;
}

/** `host:port`, `:port` (all interfaces, as distribution reads it), `[v6]:port`. */
export function parseAddress(addr: string): { host: string; port: number } {
  const match = /^(?:\[([0-9a-fA-F:.]+)\]|([^:[\]]*)):(\d{1,5})$/.exec(addr.trim());
  const port = Number(match?.[3]);
  if (!match || port > 65535) throw new StowageError('CONFIG_INVALID', `invalid listen address "${addr}": expected host:port`);
  const host = match[1] ?? (match[2] || '0.0.0.0');
  return { host, port };
}

/** Go durations as distribution writes them (`30s`, `1m`, `500ms`), or plain seconds. */
function parseDuration(value: string | number, key?: string): number {
  if (typeof value === 'number') return value;
  const match = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(value.trim());
  if (!match) throw new StowageError('CONFIG_INVALID', `${key ? `${key}: ` : ''}invalid duration "${value.slice(0, 40)}"`);
  const n = Number(match[1]);
  const unit = match[2] ?? 's';
  return unit === 'ms' ? n / 1000 : unit === 'm' ? n * 60 : unit === 'h' ? n * 3600 : n;
}
