import { setTimeout as sleep } from 'node:timers/promises';
import type { Dispatcher } from 'undici';
import { retryDelay } from './backoff.js';
import { encodeEnvelope } from './envelope.js';
import { isIgnored } from './ignore.js';
import { postEnvelope, statusLabel, type PostOutcome } from './post.js';
import { EventQueue, type QueuedEvent } from './queue.js';
import type { EndpointSettings, EndpointStats, NotifierLog, NotifierMetrics, RegistryEvent } from './types.js';

/** A full queue's drops are logged at most this often. */
const DROP_WARNING_INTERVAL_MS = 60_000;

export interface EndpointOptions {
  settings: EndpointSettings;
  /** The endpoint's own queue directory. */
  directory: string;
  mediaType: string;
  dispatcher: Dispatcher;
  log?: NotifierLog | undefined;
  metrics?: NotifierMetrics | undefined;
  /** For tests: a smaller segment roll-over size. */
  segmentBytes?: number | undefined;
}

/**
 * One webhook endpoint: its durable queue and the loop that delivers it, one request in flight
 * at a time so events arrive in the order they were queued. A failed event is retried (at once,
 * then with growing waits, backoff.ts) until it is delivered; events behind it wait.
 */
export class Endpoint {
  readonly settings: EndpointSettings;
  private readonly queue: EventQueue;
  private readonly headers: Record<string, string | string[]>;
  private readonly options: EndpointOptions;
  // Stopping ends a wait between attempts at once, and an attempt in flight at the deadline.
  private readonly stopWaiting = new AbortController();
  private readonly abortAttempt = new AbortController();
  private loop: Promise<void> | undefined;
  private delivered = 0;
  private failures = 0;
  private errors = 0;
  private dropped = 0;
  private lastError: { at: string; message: string } | undefined;
  private lastDropWarning = Number.NEGATIVE_INFINITY;

  constructor(options: EndpointOptions) {
    this.options = options;
    this.settings = options.settings;
    this.queue = new EventQueue({ directory: options.directory, log: options.log, segmentBytes: options.segmentBytes });
    this.headers = requestHeaders(options.mediaType, options.settings.headers);
  }

  /** Reopens the queue (what a previous process left is sent first) and starts delivering. */
  async start(): Promise<void> {
    await this.queue.open();
    this.options.metrics?.pending(this.settings.name, this.queue.pending);
    if (this.queue.pending > 0) this.options.log?.info({ endpoint: this.settings.name, pending: this.queue.pending }, 'notifications: resuming queued events');
    this.loop = this.deliverAll();
  }

  /**
   * Queues an event unless this endpoint ignores it or its queue is full; resolves once it is on
   * disk. `json` is the event's JSON text, made once for all endpoints.
   */
  offer(event: RegistryEvent, json: string): Promise<void> | undefined {
    if (isIgnored(this.settings, event)) return undefined;
    const { name, maxPending } = this.settings;
    if (this.queue.pending >= maxPending) {
      this.dropped++;
      this.options.metrics?.dropped(name);
      const now = Date.now();
      if (now - this.lastDropWarning >= DROP_WARNING_INTERVAL_MS) {
        this.lastDropWarning = now;
        this.options.log?.warn(
          { endpoint: name, maxPending, dropped: this.dropped },
          'notifications: the endpoint is behind by maxpending events; new events for it are dropped',
        );
      }
      return undefined;
    }
    const written = this.queue.append(event, json);
    this.options.metrics?.event(name, event.action, 'Events');
    this.options.metrics?.pending(name, this.queue.pending);
    // A failed write took its events out of the count again.
    written.catch(() => this.options.metrics?.pending(name, this.queue.pending));
    return written;
  }

  stats(): EndpointStats {
    const { name, url } = this.settings;
    const { delivered, failures, errors, dropped, lastError } = this;
    return { name, url, pending: this.queue.pending, delivered, failures, errors, dropped, ...(lastError ? { lastError } : {}) };
  }

  /**
   * Stops delivering: the attempt in flight gets until `deadlineMs` to finish, then is aborted
   * (its event stays queued and is sent again: at least once). Writes in flight reach the disk.
   */
  async stop(deadlineMs: number): Promise<void> {
    this.queue.stopReading();
    this.stopWaiting.abort();
    const loop = this.loop ?? Promise.resolve();
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<void>((resolve) => (timer = setTimeout(resolve, deadlineMs)));
    await Promise.race([loop, deadline]);
    clearTimeout(timer);
    this.abortAttempt.abort(new Error('the notifier is closing'));
    await loop;
    await this.queue.close();
  }

  private async deliverAll(): Promise<void> {
    const { name, threshold, backoffMs } = this.settings;
    let consecutive = 0;
    for (;;) {
      let head: QueuedEvent | undefined;
      try {
        head = await this.queue.head();
      } catch (err) {
        // The queue could not be read (a disk error): the events are still there; try again later.
        consecutive++;
        this.options.log?.error({ err, endpoint: name }, 'notifications: could not read the queue');
        await sleep(retryDelay(Math.max(consecutive, threshold), threshold, backoffMs), undefined, { signal: this.stopWaiting.signal }).catch(() => undefined);
        continue;
      }
      if (!head || this.stopWaiting.signal.aborted) return;
      const outcome = await this.attempt(head.event);
      if (outcome.kind === 'aborted') return;
      if (outcome.kind === 'delivered') {
        this.queue.markDelivered(head.seq);
        this.options.metrics?.pending(name, this.queue.pending);
        if (consecutive >= threshold) this.options.log?.info({ endpoint: name, failures: consecutive }, 'notifications: the endpoint answers again');
        consecutive = 0;
        continue;
      }
      consecutive++;
      if (consecutive === threshold) {
        this.options.log?.warn(
          { endpoint: name, url: this.settings.url, error: this.lastError?.message },
          'notifications: the endpoint is failing; retrying with backoff',
        );
      }
      const wait = retryDelay(consecutive, threshold, backoffMs);
      if (wait > 0) await sleep(wait, undefined, { signal: this.stopWaiting.signal }).catch(() => undefined);
    }
  }

  private async attempt(event: RegistryEvent): Promise<PostOutcome> {
    const { name, url, timeoutMs } = this.settings;
    const outcome = await postEnvelope({
      url,
      body: encodeEnvelope(event),
      headers: this.headers,
      timeoutMs,
      dispatcher: this.options.dispatcher,
      signal: this.abortAttempt.signal,
    });
    const metrics = this.options.metrics;
    if (outcome.kind === 'delivered' || outcome.kind === 'refused') metrics?.status(name, statusLabel(outcome.status));
    if (outcome.kind === 'delivered') {
      this.delivered++;
      metrics?.event(name, event.action, 'Successes');
    } else if (outcome.kind === 'refused') {
      this.failures++;
      this.lastError = { at: new Date().toISOString(), message: `answered ${statusLabel(outcome.status)}` };
      metrics?.event(name, event.action, 'Failures');
    } else if (outcome.kind === 'unanswered') {
      this.errors++;
      this.lastError = { at: new Date().toISOString(), message: outcome.message };
      metrics?.event(name, event.action, 'Errors');
    }
    return outcome;
  }
}

/** Content-Type, then the configured headers, values of the same name appended as Go's headerRoundTripper merges them. */
function requestHeaders(mediaType: string, configured: Record<string, string[]>): Record<string, string | string[]> {
  const headers: Record<string, string[]> = { 'content-type': [mediaType] };
  for (const [name, values] of Object.entries(configured)) {
    const key = name.toLowerCase();
    headers[key] = [...(headers[key] ?? []), ...values];
  }
  return Object.fromEntries(Object.entries(headers).map(([name, values]) => [name, values.length === 1 ? values[0]! : values]));
}
