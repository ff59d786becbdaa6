import type * as Prom from 'prom-client';
import type { GcOutcome } from '../server/gc-schedule.js';
import { CounterFamily, GaugeFamily, HistogramFamily } from './series.js';
import type { UpstreamStats } from '../proxy/types.js';

/** prom-client's API; loaded only when metrics are on (the bundled CLI never pays for it). */
type PromClient = typeof Prom;

const SECONDS = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300];
const BYTES = [256, 4096, 65536, 1 << 20, 16 << 20, 256 << 20, 1 << 30, 4 << 30];

/** What the notifier reports (distribution's notifications metrics); the notifier calls these. */
export interface NotificationCounters {
  event(endpoint: string, action: string, outcome: 'Events' | 'Successes' | 'Failures' | 'Errors'): void;
  status(endpoint: string, code: string): void;
  pending(endpoint: string, n: number): void;
  dropped(endpoint: string): void;
}

/**
 * A registry's Prometheus metrics, in a registry of their own (no global state: two servers
 * in one process keep two sets). Names follow distribution's where it has the metric
 * (its `metrics` package and docker/go-metrics: `registry_http_*` with labels handler, method,
 * code; `registry_storage_action_seconds{driver,action}`; `registry_notifications_*`), so
 * dashboards made for registry:2 work; the rest are Stowage's, under the same prefix.
 */
export class RegistryMetrics {
  readonly registry: Prom.Registry;
  // Observed on every request: series.ts's families, not prom-client's (which hash labels per observation).
  readonly requests: CounterFamily<'code' | 'handler' | 'method'>;
  readonly requestDuration: HistogramFamily<'handler' | 'method'>;
  readonly requestSize: HistogramFamily<'handler'>;
  readonly responseSize: HistogramFamily<'handler'>;
  readonly inFlight: GaugeFamily<'handler'>;
  readonly uploadsInFlight: Prom.Gauge;
  readonly uploadDuration: Prom.Histogram;
  readonly storageAction: HistogramFamily<'driver' | 'action'>;
  readonly storageErrors: CounterFamily<'driver' | 'action' | 'code'>;
  readonly notifications: NotificationCounters;
  private readonly gcRuns: Prom.Counter<'trigger' | 'result'>;
  private readonly gcDuration: Prom.Histogram;
  private readonly gcFreed: Prom.Counter;
  private readonly gcRemoved: Prom.Counter<'kind'>;
  private readonly gcLastSuccess: Prom.Gauge;
  private upstreams: () => UpstreamStats[] = () => [];

  static async create(): Promise<RegistryMetrics> {
    const prom = (await import('prom-client')) as PromClient & { default?: PromClient };
    return new RegistryMetrics(prom.default ?? prom);
  }

  private constructor(prom: PromClient) {
    const registry = new prom.Registry();
    this.registry = registry;
    prom.collectDefaultMetrics({ register: registry });
    const registers = [registry];
    this.requests = new CounterFamily(registry, 'registry_http_requests_total', 'Requests answered, by status code, route (handler) and method.', [
      'code',
      'handler',
      'method',
    ]);
    this.requestDuration = new HistogramFamily(
      registry,
      'registry_http_request_duration_seconds',
      'Time from the request to the end of its response.',
      ['handler', 'method'],
      SECONDS,
    );
    this.requestSize = new HistogramFamily(
      registry,
      'registry_http_request_size_bytes',
      'Request body bytes read (blob uploads, manifests).',
      ['handler'],
      BYTES,
    );
    this.responseSize = new HistogramFamily(registry, 'registry_http_response_size_bytes', 'Response body bytes written.', ['handler'], BYTES);
    this.inFlight = new GaugeFamily(registry, 'registry_http_in_flight_requests', 'Requests being served.', ['handler']);
    this.uploadsInFlight = new prom.Gauge({
      name: 'registry_blob_uploads_in_flight',
      help: 'Requests streaming a blob body into storage now (POST ?digest=, PATCH, PUT).',
      registers,
    });
    this.uploadDuration = new prom.Histogram({
      name: 'registry_blob_upload_request_duration_seconds',
      help: 'Duration of requests that stream a blob body into storage.',
      buckets: SECONDS,
      registers,
    });
    this.storageAction = new HistogramFamily(
      registry,
      'registry_storage_action_seconds',
      'The number of seconds that the storage action takes.',
      ['driver', 'action'],
      SECONDS,
    );
    this.storageErrors = new CounterFamily(
      registry,
      'registry_storage_errors_total',
      'Storage actions that failed, by error code (PATH_NOT_FOUND is an answer, not counted).',
      ['driver', 'action', 'code'],
    );
    this.gcRuns = new prom.Counter({
      name: 'registry_gc_runs_total',
      help: 'Garbage collections, by trigger and result (success, failure, skipped: another holds the lock or lease).',
      labelNames: ['trigger', 'result'],
      registers,
    });
    this.gcDuration = new prom.Histogram({
      name: 'registry_gc_duration_seconds',
      help: 'Duration of completed garbage collections.',
      buckets: [0.1, 1, 10, 60, 300, 1800, 3600, 4 * 3600],
      registers,
    });
    this.gcFreed = new prom.Counter({ name: 'registry_gc_freed_bytes_total', help: 'Blob bytes garbage collection deleted.', registers });
    this.gcRemoved = new prom.Counter({
      name: 'registry_gc_removed_total',
      help: 'What garbage collection deleted, by kind (blob, manifest, tag, layer_link).',
      labelNames: ['kind'],
      registers,
    });
    this.gcLastSuccess = new prom.Gauge({
      name: 'registry_gc_last_success_timestamp_seconds',
      help: 'When the last garbage collection finished without error (Unix time).',
      registers,
    });
    this.notifications = notificationCounters(prom, registers);
    this.upstreamMetrics(prom, registers);
  }

  /** The pull-through cache's counters, read from its upstreams' figures at each scrape. */
  observeUpstreams(stats: () => UpstreamStats[]): void {
    this.upstreams = stats;
  }

  gcFinished(trigger: string, outcome: GcOutcome): void {
    if ('skipped' in outcome) return void this.gcRuns.inc({ trigger, result: 'skipped' });
    if ('failed' in outcome) return void this.gcRuns.inc({ trigger, result: 'failure' });
    const { report } = outcome;
    this.gcRuns.inc({ trigger, result: 'success' });
    this.gcDuration.observe(report.durationMs / 1000);
    if (report.dryRun) return;
    this.gcFreed.inc(report.blobs.bytesFreed);
    this.gcRemoved.inc({ kind: 'blob' }, report.blobs.removed);
    this.gcRemoved.inc({ kind: 'manifest' }, report.manifests.removed);
    this.gcRemoved.inc({ kind: 'tag' }, report.tags.removed);
    this.gcRemoved.inc({ kind: 'layer_link' }, report.layerLinks.removed);
    this.gcLastSuccess.set(Date.now() / 1000);
  }

  /** The text exposition format, and its content type. */
  async exposition(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }

  private upstreamMetrics(prom: PromClient, registers: Prom.Registry[]): void {
    const read = (): UpstreamStats[] => this.upstreams();
    // Counters set from the upstreams' running totals at scrape time: reset, then the total.
    const counter = (name: string, help: string, value: (s: UpstreamStats) => Array<[Record<string, string>, number]>): void => {
      new prom.Counter({
        name,
        help,
        labelNames: ['upstream', 'kind'],
        registers,
        collect() {
          this.reset();
          for (const stats of read()) for (const [labels, n] of value(stats)) this.inc({ upstream: stats.host, ...labels }, n);
        },
      });
    };
    counter('registry_proxy_hits_total', 'Manifests and blobs answered from the cache without the upstream.', (s) => [
      [{ kind: 'manifest' }, s.manifestHits],
      [{ kind: 'blob' }, s.blobHits],
    ]);
    counter('registry_proxy_misses_total', 'Manifests and blobs fetched from the upstream.', (s) => [
      [{ kind: 'manifest' }, s.manifestFetches],
      [{ kind: 'blob' }, s.blobFetches],
    ]);
    counter('registry_proxy_pulled_bytes_total', 'Bytes fetched from the upstream.', (s) => [[{}, s.bytesFetched]]);
    counter('registry_proxy_revalidations_total', 'Tags checked upstream with one HEAD after their tagttl.', (s) => [[{}, s.revalidations]]);
    counter('registry_proxy_stale_serves_total', 'Requests answered from the cache because the upstream failed.', (s) => [[{}, s.staleServes]]);
    counter('registry_proxy_failures_total', 'Requests that failed because the upstream failed and nothing was cached.', (s) => [[{}, s.failures]]);
    new prom.Gauge({
      name: 'registry_proxy_ratelimit_remaining',
      help: "The upstream's ratelimit-remaining as last seen (Docker Hub's pull limit).",
      labelNames: ['upstream'],
      registers,
      collect() {
        this.reset();
        for (const stats of read()) {
          const remaining = Number.parseInt(stats.rateLimit?.remaining ?? '', 10);
          if (Number.isFinite(remaining)) this.set({ upstream: stats.host }, remaining);
        }
      },
    });
  }
}

function notificationCounters(prom: PromClient, registers: Prom.Registry[]): NotificationCounters {
  const events = new prom.Counter({
    name: 'registry_notifications_events_total',
    help: 'Notification events by outcome (type: Events queued, Successes, Failures, Errors), action and endpoint.',
    labelNames: ['type', 'action', 'endpoint'],
    registers,
  });
  const statuses = new prom.Counter({
    name: 'registry_notifications_status_total',
    help: 'HTTP statuses the notification endpoints answered.',
    labelNames: ['code', 'endpoint'],
    registers,
  });
  const pending = new prom.Gauge({
    name: 'registry_notifications_pending',
    help: 'Events queued for an endpoint, not yet delivered.',
    labelNames: ['endpoint'],
    registers,
  });
  const dropped = new prom.Counter({
    name: 'registry_notifications_dropped_total',
    help: "Events dropped because an endpoint's queue was full (maxpending).",
    labelNames: ['endpoint'],
    registers,
  });
  return {
    event: (endpoint, action, type) => events.inc({ type, action, endpoint }),
    status: (endpoint, code) => statuses.inc({ code, endpoint }),
    pending: (endpoint, n) => pending.set({ endpoint }, n),
    dropped: (endpoint) => dropped.inc({ endpoint }),
  };
}
