import { z } from 'zod';
import { StowageError } from '../errors/error.js';
import { DEFAULT_INTERVAL_MS, DEFAULT_TIMEOUT_MS } from '../registry/health/check.js';
import type { HealthSettings } from '../registry/health/settings.js';
import { splitAddress } from '../registry/health/tcp-check.js';
import { parseDuration } from './values.js';

const Duration = z.union([z.string(), z.number()]);
/** A count of failures; 0 (distribution's unset) is one. */
const Threshold = z.number().int().min(0);
const HeaderName = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
const HeaderValue = z.string().regex(/^[^\r\n\0]*$/, 'a header value cannot hold CR, LF or NUL');
/** Go's http.Header: a name to its list of values (one value alone is taken as a list of one, as `http.headers` is). */
const Headers = z.record(z.string(), z.union([HeaderValue.transform((v) => [v]), z.array(HeaderValue)])).superRefine((headers, ctx) => {
  const bad = Object.keys(headers).find((name) => !HeaderName.test(name));
  if (bad !== undefined) ctx.addIssue({ code: 'custom', path: [bad], message: `"${bad.slice(0, 60)}" is not a header name` });
});

/** distribution's `health` section (configuration.go's Health), key for key; an unknown key is refused. */
export const HealthSchema = z
  .strictObject({
    storagedriver: z.strictObject({ enabled: z.boolean().optional(), interval: Duration.optional(), threshold: Threshold.optional() }).nullable().optional(),
    file: z
      .array(z.strictObject({ file: z.string().min(1), interval: Duration.optional() }))
      .nullable()
      .optional(),
    http: z
      .array(
        z.strictObject({
          uri: z.string().min(1),
          headers: Headers.nullable().optional(),
          // 0 is distribution's unset: 200.
          statuscode: z.number().int().min(0).max(599).optional(),
          timeout: Duration.optional(),
          interval: Duration.optional(),
          threshold: Threshold.optional(),
        }),
      )
      .nullable()
      .optional(),
    tcp: z
      .array(z.strictObject({ addr: z.string().min(1), timeout: Duration.optional(), interval: Duration.optional(), threshold: Threshold.optional() }))
      .nullable()
      .optional(),
  })
  .nullable();

export type HealthConfig = z.infer<typeof HealthSchema>;

const KEY = 'health';

/**
 * The `health` section, resolved: undefined when no check is enabled (the section absent,
 * empty, or only `storagedriver.enabled: false`). A value that does not fit is CONFIG_INVALID
 * naming its key (`health.http[0].statuscode`, `health.storagedriver: unknown key intervl`).
 *
 * Defaults are distribution's (registry/handlers/app.go): interval 10s, threshold 1, status
 * 200. A duration of 0 is its unset too. HTTP and TCP timeouts, which distribution leaves
 * unbounded, are 3s (registry/health/check.ts says why).
 */
export function resolveHealth(value: unknown): HealthSettings | undefined {
  const parsed = HealthSchema.safeParse(value ?? null);
  if (!parsed.success) {
    // A misspelt required key (`address`) is also a missing one (`addr`): the spelling is the news.
    const issues = parsed.error.issues;
    throw invalid(issues.find((issue) => issue.code === 'unrecognized_keys') ?? issues[0]);
  }
  const health = parsed.data ?? {};
  const storage = health.storagedriver ?? {};
  const settings: HealthSettings = {
    ...(storage.enabled === true
      ? { storageDriver: { intervalMs: interval(`${KEY}.storagedriver.interval`, storage.interval), threshold: threshold(storage.threshold) } }
      : {}),
    file: (health.file ?? []).map((entry, i) => ({ file: entry.file, intervalMs: interval(`${KEY}.file[${i}].interval`, entry.interval) })),
    http: (health.http ?? []).map((entry, i) => {
      const at = `${KEY}.http[${i}]`;
      checkUri(`${at}.uri`, entry.uri);
      return {
        uri: entry.uri,
        headers: entry.headers ?? {},
        statusCode: entry.statuscode || 200,
        timeoutMs: duration(`${at}.timeout`, entry.timeout, DEFAULT_TIMEOUT_MS),
        intervalMs: interval(`${at}.interval`, entry.interval),
        threshold: threshold(entry.threshold),
      };
    }),
    tcp: (health.tcp ?? []).map((entry, i) => {
      const at = `${KEY}.tcp[${i}]`;
      try {
        splitAddress(entry.addr);
      } catch (err) {
        throw new StowageError('CONFIG_INVALID', `${at}.addr: ${(err as Error).message}`, { key: `${at}.addr` });
      }
      return {
        addr: entry.addr,
        timeoutMs: duration(`${at}.timeout`, entry.timeout, DEFAULT_TIMEOUT_MS),
        intervalMs: interval(`${at}.interval`, entry.interval),
        threshold: threshold(entry.threshold),
      };
    }),
  };
  unique(
    'file',
    settings.file.map((entry) => entry.file),
  );
  unique(
    'http',
    settings.http.map((entry) => entry.uri),
  );
  unique(
    'tcp',
    settings.tcp.map((entry) => entry.addr),
  );
  const none = !settings.storageDriver && settings.file.length === 0 && settings.http.length === 0 && settings.tcp.length === 0;
  return none ? undefined : settings;
}

function interval(key: string, value: string | number | undefined): number {
  return duration(key, value, DEFAULT_INTERVAL_MS);
}

/** Milliseconds; absent or 0 is the default. */
function duration(key: string, value: string | number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const ms = Math.round(parseDuration(value, key) * 1000);
  if (!Number.isFinite(ms) || ms < 0) throw new StowageError('CONFIG_INVALID', `${key}: a duration cannot be negative`, { key });
  return ms === 0 ? fallback : ms;
}

function threshold(value: number | undefined): number {
  return Math.max(1, value ?? 1);
}

function checkUri(key: string, uri: string): void {
  let url: URL | undefined;
  try {
    url = new URL(uri);
  } catch {
    // the message below says what is expected
  }
  if (url?.protocol !== 'http:' && url?.protocol !== 'https:') {
    throw new StowageError('CONFIG_INVALID', `${key}: "${uri.slice(0, 100)}" is not an http:// or https:// URI`, { key });
  }
}

/** distribution panics on a second check of one name; the key it would have in the status body is the clash. */
function unique(kind: string, names: string[]): void {
  const seen = new Set<string>();
  names.forEach((name, i) => {
    const key = `${KEY}.${kind}[${i}]`;
    if (seen.has(name)) throw new StowageError('CONFIG_INVALID', `${key}: ${name} is checked twice`, { key });
    seen.add(name);
  });
}

function invalid(issue: z.core.$ZodIssue | undefined): StowageError {
  const path = [KEY, ...(issue?.path ?? [])].reduce<string>(
    (at, part) => (typeof part === 'number' ? `${at}[${part}]` : at ? `${at}.${String(part)}` : String(part)),
    '',
  );
  const message =
    issue?.code === 'unrecognized_keys' ? `unknown key ${issue.keys.map((k) => `${path}.${k}`).join(', ')}` : `${path}: ${issue?.message ?? 'invalid value'}`;
  const key = issue?.code === 'unrecognized_keys' ? `${path}.${issue.keys[0]}` : path;
  return new StowageError('CONFIG_INVALID', message, { key });
}
