import { StowageError, isStowageError } from '../../errors/error.js';
import type { StorageDriver } from '../../storage/driver.js';
import { collectGarbage, type GcOptions, type GcReport } from '../gc/index.js';

/** How a collection runs, as a config says it (no callbacks): GcOptions less onProgress and signal. */
export type GcSettings = Omit<GcOptions, 'onProgress' | 'signal'>;

/** A registry's garbage collection: its settings, and how often it runs by itself. */
export interface GcConfig {
  /** Run every this many milliseconds (storage.maintenance.gc.enabled); absent: only when asked (POST /admin/gc). */
  intervalMs?: number;
  options: GcSettings;
}

/** What one collection is asked to do beyond the settings (POST /admin/gc's body). */
export interface GcOverrides {
  dryRun?: boolean;
  deleteUntagged?: boolean;
}

export type GcTrigger = 'schedule' | 'admin';

/** The collector's signature (src/registry/gc); tests pass a fake. */
export type Collect = (driver: StorageDriver, options: GcOptions) => Promise<GcReport>;

export type GcLog = { info: (o: object, m: string) => void; error: (o: object, m: string) => void };

/** distribution has no untagged deletion; the config's default age (README, "Configuration"). */
export const DEFAULT_UNTAGGED_AGE_MS = 168 * 3600 * 1000;

export interface GcRunnerOptions {
  driver: StorageDriver;
  settings?: GcSettings;
  /** Where each run's line goes (the server's logger, once it exists). */
  log?: GcLog;
  collect?: Collect;
  /** The pull-through cache's expiry and size caps (proxy/expiry.ts). */
  expiry?: GcOptions['expiry'];
  cacheCaps?: GcOptions['cacheCaps'];
  /** Told of every run's outcome (the metrics). */
  onRun?: (trigger: GcTrigger, outcome: GcOutcome) => void;
}

/** How a run ended: its report, skipped (another holds the lock or lease), or failed. */
export type GcOutcome = { report: GcReport } | { skipped: true } | { failed: true };

const SILENT: GcLog = { info: () => undefined, error: () => undefined };

/**
 * The one place a server runs the collector, for both triggers (the schedule and POST
 * /admin/gc), so two never overlap in one process: a second is GC_RUNNING at once (409),
 * without waiting for the root's lock. Across processes (`stowage registry gc` beside a
 * server) the collector's own lock answers GC_RUNNING the same way. Every run is one log line.
 */
export class GcRunner {
  log: GcLog;
  private readonly collect: Collect;
  private readonly settings: GcSettings;
  private current: Promise<GcReport> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private readonly stopping = new AbortController();

  constructor(private readonly options: GcRunnerOptions) {
    this.log = options.log ?? SILENT;
    this.collect = options.collect ?? collectGarbage;
    this.settings = options.settings ?? {};
  }

  /** Whether a collection is running now. */
  get running(): boolean {
    return this.current !== undefined;
  }

  /** One collection with the settings, overridden; GC_RUNNING if one is running already. */
  run(trigger: GcTrigger, overrides: GcOverrides = {}): Promise<GcReport> {
    if (this.stopping.signal.aborted) return Promise.reject(new StowageError('UNSUPPORTED', 'the registry is shutting down'));
    if (this.current) return Promise.reject(new StowageError('GC_RUNNING', 'a garbage collection is already running on this registry'));
    const options: GcOptions = {
      ...withOverrides(this.settings, overrides),
      signal: this.stopping.signal,
      ...(this.options.expiry ? { expiry: this.options.expiry } : {}),
      ...(this.options.cacheCaps ? { cacheCaps: this.options.cacheCaps } : {}),
    };
    const run = this.collect(this.options.driver, options).then(
      (report) => {
        this.log.info({ trigger, ...figures(report) }, `garbage collection ${summary(report)}`);
        this.options.onRun?.(trigger, { report });
        return report;
      },
      (err: unknown) => {
        // Another process (`stowage registry gc`, another server on the root, another replica of the database) holds the lock or the lease: not a failure.
        const skipped = isStowageError(err, 'GC_RUNNING');
        if (skipped) this.log.info({ trigger }, `garbage collection skipped: ${err.message}`);
        else this.log.error({ err, trigger }, 'garbage collection failed');
        this.options.onRun?.(trigger, skipped ? { skipped: true } : { failed: true });
        throw err;
      },
    );
    this.current = run;
    const done = (): void => {
      this.current = undefined;
    };
    run.then(done, done);
    return run;
  }

  /**
   * Every `intervalMs` from now (the first run one interval after start, so a restart loop
   * never collects in a loop), skipping a tick while one still runs. Never keeps the process alive.
   */
  schedule(intervalMs: number): void {
    clearInterval(this.timer);
    this.timer = setInterval(() => {
      // The outcome is already logged by run().
      if (!this.current) this.run('schedule').catch(() => undefined);
    }, intervalMs).unref();
  }

  /** Stops the schedule and asks a run in progress to stop at its next safe point (its signal); resolves once it has. */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    this.stopping.abort();
    await this.current?.catch(() => undefined);
  }
}

/** POST /admin/gc's body over the settings: `deleteUntagged` keeps the configured age (or the default). */
export function withOverrides(settings: GcSettings, overrides: GcOverrides): GcSettings {
  const out: GcSettings = { ...settings };
  if (overrides.dryRun !== undefined) out.dryRun = overrides.dryRun;
  if (overrides.deleteUntagged !== undefined) {
    out.untagged = { delete: overrides.deleteUntagged, ageMs: settings.untagged?.ageMs ?? DEFAULT_UNTAGGED_AGE_MS };
  }
  return out;
}

/** The report's figures, flat, for the log line. */
function figures(report: GcReport): Record<string, unknown> {
  return {
    dryRun: report.dryRun,
    blobsRemoved: report.blobs.removed,
    bytesFreed: report.blobs.bytesFreed,
    blobsRecent: report.blobs.recent,
    manifestsRemoved: report.manifests.removed,
    tagsRemoved: report.tags.removed,
    layerLinksRemoved: report.layerLinks.removed,
    durationMs: report.durationMs,
  };
}

function summary(report: GcReport): string {
  const what = `${report.blobs.removed} blobs (${report.blobs.bytesFreed} bytes), ${report.manifests.removed} manifests, ${report.tags.removed} tags`;
  return `${report.dryRun ? 'dry run: would remove' : 'removed'} ${what} in ${(report.durationMs / 1000).toFixed(1)}s`;
}
