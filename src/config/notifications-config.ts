import { z } from 'zod';
import { StowageError } from '../errors/error.js';
import { EVENT_ACTIONS, type EndpointSettings, type EventAction, type NotificationSettings } from '../registry/notify/types.js';
import { parseDuration } from './values.js';

export type { EndpointSettings, NotificationSettings } from '../registry/notify/types.js';

const Duration = z.union([z.string(), z.number()]);
const Texts = z.array(z.string().min(1));
const HeaderName = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
const HeaderValue = z.string().regex(/^[^\r\n\0]*$/, 'a header value cannot hold CR, LF or NUL');
/** Go's http.Header, as distribution reads an endpoint's `headers`: a name to a list of values (or one). */
const Headers = z.record(z.string(), z.union([HeaderValue.transform((v) => [v]), z.array(HeaderValue).min(1)])).superRefine((headers, ctx) => {
  const bad = Object.keys(headers).find((name) => !HeaderName.test(name));
  if (bad !== undefined) ctx.addIssue({ code: 'custom', message: `"${bad.slice(0, 60)}" is not a header name` });
});

/** One entry of `notifications.endpoints` (distribution's configuration.Endpoint, plus Stowage's maxpending). */
export const EndpointSchema = z.strictObject({
  name: z.string().min(1),
  disabled: z.boolean().optional(),
  url: z.string().min(1),
  headers: Headers.nullable().optional(),
  timeout: Duration.optional(),
  threshold: z.number().int().nonnegative().optional(),
  backoff: Duration.optional(),
  ignoredmediatypes: Texts.nullable().optional(),
  ignore: z
    .strictObject({
      mediatypes: Texts.nullable().optional(),
      actions: z
        .array(z.enum(EVENT_ACTIONS as [EventAction, ...EventAction[]]))
        .nullable()
        .optional(),
    })
    .nullable()
    .optional(),
  /** Stowage's own: undelivered events kept per endpoint before new ones are dropped. */
  maxpending: z.number().int().positive().optional(),
});

/** distribution's `notifications` section, plus Stowage's `queuedirectory`. */
export const NotificationsSchema = z.strictObject({
  events: z.strictObject({ includereferences: z.boolean().optional() }).nullable().optional(),
  endpoints: z.array(EndpointSchema).nullable().optional(),
  /** Stowage's own: where each endpoint's queue of undelivered events lives. */
  queuedirectory: z.string().min(1).optional(),
});

export type NotificationsConfig = z.infer<typeof NotificationsSchema>;

/** distribution's defaults (notifications/endpoint.go): a zero or absent value takes them, as there. */
const DEFAULT_TIMEOUT_MS = 1_000;
const DEFAULT_THRESHOLD = 10;
const DEFAULT_BACKOFF_MS = 1_000;
/** About 100 MB of disk per endpoint at a typical event's size; a day of pushes for most registries. */
export const DEFAULT_MAX_PENDING = 100_000;

/**
 * The `notifications` section (as the file has it, or already parsed by NotificationsSchema)
 * resolved for the Notifier. Undefined when no endpoint is enabled: nothing is queued then.
 * `queueDefault` is where queues live when `queuedirectory` is not set (the server's choice).
 *
 * Durations are read as the rest of Stowage's config reads them (values.ts parseDuration):
 * `500ms`, `1s`, `5m`, or a number of seconds. (Go reads a bare number as nanoseconds.)
 */
export function resolveNotifications(value: unknown, queueDefault: string): NotificationSettings | undefined {
  if (value === undefined || value === null) return undefined;
  const parsed = NotificationsSchema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const path = ['notifications', ...(issue?.path ?? [])];
    if (issue?.code === 'unrecognized_keys') throw new StowageError('CONFIG_INVALID', `unknown key ${keyPath([...path, issue.keys[0] ?? ''])}`);
    throw new StowageError('CONFIG_INVALID', `${keyPath(path)}: ${issue?.message ?? 'invalid value'}`);
  }
  const config = parsed.data;
  const entries = config.endpoints ?? [];
  const seen = new Set<string>();
  const endpoints = entries.map((entry, i) => {
    const key = `notifications.endpoints[${i}]`;
    if (seen.has(entry.name)) throw new StowageError('CONFIG_INVALID', `${key}.name: "${entry.name.slice(0, 80)}" is the name of another endpoint`);
    seen.add(entry.name);
    return endpoint(key, entry);
  });
  if (!endpoints.some((e) => !e.disabled)) return undefined;
  return {
    endpoints,
    queueDirectory: config.queuedirectory ?? queueDefault,
    includeReferences: config.events?.includereferences ?? false,
  };
}

function endpoint(key: string, entry: z.infer<typeof EndpointSchema>): EndpointSettings {
  let url: URL;
  try {
    url = new URL(entry.url);
  } catch {
    throw new StowageError('CONFIG_INVALID', `${key}.url: "${entry.url.slice(0, 100)}" is not a URL (http://listener:5050/events)`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new StowageError('CONFIG_INVALID', `${key}.url: must be http:// or https://`);
  const ms = (name: string, value: string | number | undefined, fallback: number): number => {
    if (value === undefined) return fallback;
    const n = Math.round(parseDuration(value, `${key}.${name}`) * 1000);
    if (!Number.isFinite(n) || n < 0) throw new StowageError('CONFIG_INVALID', `${key}.${name}: must not be negative`);
    return n === 0 ? fallback : n;
  };
  const ignore = entry.ignore ?? {};
  return {
    name: entry.name,
    url: url.href,
    headers: entry.headers ?? {},
    timeoutMs: ms('timeout', entry.timeout, DEFAULT_TIMEOUT_MS),
    threshold: entry.threshold || DEFAULT_THRESHOLD,
    backoffMs: ms('backoff', entry.backoff, DEFAULT_BACKOFF_MS),
    ignoredMediaTypes: [...new Set([...(entry.ignoredmediatypes ?? []), ...(ignore.mediatypes ?? [])])],
    ignoredActions: [...new Set(ignore.actions ?? [])],
    maxPending: entry.maxpending ?? DEFAULT_MAX_PENDING,
    ...(entry.disabled ? { disabled: true } : {}),
  };
}

/** `notifications.endpoints[0].timeout` from zod's path. */
function keyPath(path: PropertyKey[]): string {
  return path.map((part, i) => (typeof part === 'number' ? `[${part}]` : i === 0 ? String(part) : `.${String(part)}`)).join('');
}
