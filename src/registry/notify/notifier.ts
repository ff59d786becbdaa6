import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { Agent } from 'undici';
import { StowageError } from '../../errors/error.js';
import { Endpoint } from './endpoint.js';
import { canonicalEvent, EVENTS_MEDIA_TYPE } from './envelope.js';
import type { EndpointSettings, EndpointStats, NotifierLog, NotifierMetrics, RegistryEvent } from './types.js';

export interface NotifierOptions {
  endpoints: EndpointSettings[];
  /** Each endpoint's queue is a directory under it (endpointDirectory). */
  queueDirectory: string;
  /** The envelope's Content-Type; distribution 2.8's by default. */
  mediaType?: string;
  log?: NotifierLog;
  metrics?: NotifierMetrics;
  /** For tests: a smaller queue segment size. */
  segmentBytes?: number;
}

/** How long close() lets a request in flight finish by default (an attempt is bounded by its timeout anyway). */
const CLOSE_DEADLINE_MS = 5_000;

/**
 * Webhook notifications as distribution sends them, delivered at least once and in order per
 * endpoint from a queue on disk that survives restarts (queue.ts). Disabled endpoints are
 * skipped; each other endpoint gets every event it does not ignore.
 */
export class Notifier {
  private readonly endpoints: Endpoint[];
  private readonly dispatcher = new Agent();
  private readonly log: NotifierLog | undefined;
  private started: Promise<void> | undefined;
  private closed = false;

  constructor(options: NotifierOptions) {
    this.log = options.log;
    const names = new Set<string>();
    for (const { name } of options.endpoints) {
      if (names.has(name)) throw new StowageError('CONFIG_INVALID', `notifications: two endpoints are named "${name}"`);
      names.add(name);
    }
    this.endpoints = options.endpoints
      .filter((settings) => !settings.disabled)
      .map(
        (settings) =>
          new Endpoint({
            settings,
            directory: join(options.queueDirectory, endpointDirectory(settings.name)),
            mediaType: options.mediaType ?? EVENTS_MEDIA_TYPE,
            dispatcher: this.dispatcher,
            log: options.log,
            metrics: options.metrics,
            segmentBytes: options.segmentBytes,
          }),
      );
  }

  /** Reopens every endpoint's queue and starts delivering, what a previous process left first. */
  start(): Promise<void> {
    this.started ??= Promise.all(this.endpoints.map((endpoint) => endpoint.start())).then(() => undefined);
    return this.started;
  }

  /**
   * Queues the event for every endpoint that wants it; resolves once it is on disk in each
   * queue. Concurrent publishes share one write and one fsync per queue. An endpoint that is
   * down or whose queue is full never fails it; a disk error rejects with a StowageError naming
   * the path. A caller that does not await it must catch it (publishInBackground does).
   */
  async publish(event: RegistryEvent): Promise<void> {
    if (this.closed) throw new StowageError('INTERNAL', 'notifications: the notifier is closed');
    if (!this.started) throw new StowageError('INTERNAL', 'notifications: publish before start');
    await this.started;
    // A copy: what is delivered from memory is what went to disk, whatever the caller does with its object.
    const canonical = canonicalEvent(event);
    const json = JSON.stringify(canonical);
    const written = this.endpoints.map((endpoint) => endpoint.offer(canonical, json)).filter((p) => p !== undefined);
    await Promise.all(written);
  }

  /** publish without waiting (pulls): a disk error is logged, not thrown. */
  publishInBackground(event: RegistryEvent): void {
    this.publish(event).catch((err: unknown) => this.log?.error({ err, action: event.action }, 'notifications: could not queue an event'));
  }

  stats(): EndpointStats[] {
    return this.endpoints.map((endpoint) => endpoint.stats());
  }

  /**
   * Stops the delivery loops and waits for queued events to be on disk; what is not delivered
   * stays queued for the next start. A request in flight gets `deadlineMs` to finish.
   */
  async close(options: { deadlineMs?: number } = {}): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.started?.catch(() => undefined);
    await Promise.all(this.endpoints.map((endpoint) => endpoint.stop(options.deadlineMs ?? CLOSE_DEADLINE_MS)));
    await this.dispatcher.close();
  }
}

/**
 * An endpoint's queue directory: its name made safe for any file system (no separators, no
 * `..`, no case-only differences) and still readable, then a hash of the exact name so two
 * names that read the same after that never share a queue.
 */
export function endpointDirectory(name: string): string {
  const readable = name.replace(/[^A-Za-z0-9_-]/g, '_').slice(0, 64);
  const hash = createHash('sha256').update(name).digest('hex').slice(0, 12);
  return `${readable}-${hash}`;
}
