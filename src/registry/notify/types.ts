import { randomUUID } from 'node:crypto';

/**
 * The event distribution sends to webhook endpoints (notifications/event.go), field for field.
 * Optional fields are those Go marshals with `omitempty`: absent here, absent on the wire.
 */
export type EventAction = 'push' | 'pull' | 'mount' | 'delete';

export const EVENT_ACTIONS: readonly EventAction[] = ['push', 'pull', 'mount', 'delete'];

/** distribution.Descriptor as the event embeds it (the fields a registry event fills in). */
export interface EventDescriptor {
  mediaType?: string;
  digest?: string;
  size?: number;
}

export interface EventTarget extends EventDescriptor {
  /** The same as `size`; distribution keeps it for older consumers. */
  length?: number;
  repository?: string;
  /** The repository a mounted blob came from. */
  fromRepository?: string;
  url?: string;
  tag?: string;
  /** A manifest's references, when `notifications.events.includereferences` is on. */
  references?: EventDescriptor[];
}

export interface RegistryEvent {
  /** Unique per event and stable across redeliveries: consumers dedupe on it (delivery is at least once). */
  id: string;
  /** RFC 3339 with fractional seconds (`new Date().toISOString()`). */
  timestamp: string;
  action: EventAction;
  target: EventTarget;
  /** `id`, `method` and `useragent` are sent even when empty, as distribution does. */
  request: { id: string; addr?: string; host?: string; method: string; useragent: string };
  actor: { name?: string };
  source: { addr?: string; instanceID?: string };
}

/** A fresh event id (distribution uses a UUID too). */
export function newEventId(): string {
  return randomUUID();
}

/** One webhook endpoint, resolved from `notifications.endpoints[]` (config/notifications-config.ts). Durations in ms. */
export interface EndpointSettings {
  /** Unique among the endpoints: names the endpoint's queue directory, its metrics and its log lines. */
  name: string;
  url: string;
  /** Sent with every request, after Content-Type (a name to its values, as Go's http.Header). */
  headers: Record<string, string[]>;
  /** One attempt (connect, send, response) gets this long. */
  timeoutMs: number;
  /** Consecutive failures retried at once before waiting `backoffMs`. */
  threshold: number;
  backoffMs: number;
  /** Events whose target has one of these media types are never queued. */
  ignoredMediaTypes: string[];
  /** Events with one of these actions are never queued. */
  ignoredActions: EventAction[];
  /** Undelivered events kept on disk at most; new events beyond it are dropped for this endpoint. */
  maxPending: number;
  /** A disabled endpoint is configured but sent nothing, and has no queue. */
  disabled?: boolean;
}

/** What `resolveNotifications` gives the server. */
export interface NotificationSettings {
  endpoints: EndpointSettings[];
  /** Where each endpoint's queue lives, one directory per endpoint. */
  queueDirectory: string;
  /** Manifest events carry `target.references` (the producer of events reads this, not the notifier). */
  includeReferences: boolean;
}

/** pino's shape, the part the notifier uses. */
export interface NotifierLog {
  info(fields: object | string, message?: string): void;
  warn(fields: object | string, message?: string): void;
  error(fields: object | string, message?: string): void;
}

/**
 * The notifier's counters, for the server to map onto distribution's Prometheus series
 * (registry_notifications_events_total{type,action,endpoint}, registry_notifications_status_total{code,endpoint},
 * registry_notifications_pending{endpoint}) without this module depending on a metrics library.
 */
export interface NotifierMetrics {
  /** `Events`: queued; `Successes`: a 2xx/3xx answer; `Failures`: another status; `Errors`: no answer (network, timeout). */
  event(endpoint: string, action: EventAction, outcome: 'Events' | 'Successes' | 'Failures' | 'Errors'): void;
  /** The status of every answer, as distribution labels it: `200 OK`, `500 Internal Server Error`. */
  status(endpoint: string, code: string): void;
  /** Undelivered events, whenever it changes. */
  pending(endpoint: string, count: number): void;
  /** An event dropped because the endpoint's queue was full. */
  dropped(endpoint: string): void;
}

export interface EndpointStats {
  name: string;
  url: string;
  pending: number;
  delivered: number;
  /** Attempts answered with a status other than 2xx/3xx. */
  failures: number;
  /** Attempts without an answer (refused, reset, timed out). */
  errors: number;
  /** Events not queued because the queue was full. */
  dropped: number;
  lastError?: { at: string; message: string };
}
