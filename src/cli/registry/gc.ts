import { stat } from 'node:fs/promises';
import { loadServeConfig, type ServeConfig, type ServeFlags } from '../../config/serve-config.js';
import { parseDuration } from '../../config/values.js';
import { StowageError, isStowageError } from '../../errors/error.js';
import { collectCoordinated, collectGarbage, type GcOptions, type GcProgress, type GcReport } from '../../registry/gc/index.js';
import { cacheGcOptions } from '../../registry/proxy/expiry.js';
import { withOverrides } from '../../registry/server/gc-schedule.js';
import type { StorageDriver } from '../../storage/driver.js';
import { createDriver, describeDriver } from '../../storage/drivers.js';
import { attachUseLedger } from '../../registry/store/use-ledger.js';
import { openMetadata } from './db.js';
import { interruptible } from '../interrupt.js';
import { formatBytes } from '../progress.js';
import { optionalString, print } from '../verb-output.js';

/**
 * `stowage registry gc [config.yml] [--dry-run] [--delete-untagged] [--grace D] [--format json]`:
 * the config's storage root and gc / retention settings (as `stowage serve` reads them,
 * REGISTRY_* included), the flags over them → one collection → its report. Ctrl-C stops the
 * run at its next safe point (what is done stays done; the next run finishes the rest).
 */
export async function registryGc(configPath: string | undefined, options: Record<string, unknown>): Promise<void> {
  const format = optionalString(options.format) ?? 'text';
  if (format !== 'text' && format !== 'json') throw new StowageError('CONFIG_INVALID', `--format: expected text or json, not "${format.slice(0, 40)}"`);
  const flags: ServeFlags = {};
  if (typeof options.root === 'string') flags.root = options.root;
  const config = await loadServeConfig(configPath, flags, process.env);
  // An object store keeps no usable file times: its uses are recorded in the database (registry/store/use-ledger.ts).
  if (config.storage.kind === 'inmemory' || (config.storage.kind === 's3' && !config.database)) {
    throw new StowageError(
      'CONFIG_INVALID',
      `stowage registry gc collects a filesystem root, or an S3 bucket beside a database (database.dsn); the config names storage.${config.storage.kind}${config.storage.kind === 's3' ? ' without one' : ''}`,
    );
  }
  const root = config.storage.kind === 'filesystem' ? config.storage.rootDirectory : describeDriver(config.storage);
  if (config.storage.kind === 'filesystem') {
    await stat(root).catch((err: NodeJS.ErrnoException) => {
      throw new StowageError('PATH_NOT_FOUND', `no registry root at ${root} (${err.code ?? err.message})`);
    });
  }
  const settings = withOverrides(config.gc.options, {
    ...(options.dryRun === true ? { dryRun: true } : {}),
    ...(options.deleteUntagged === true ? { deleteUntagged: true } : {}),
  });
  // A pull-through cache's content expires and is capped as the server's own runs do it.
  Object.assign(settings, cacheGcOptions(config.proxy));
  if (typeof options.grace === 'string') settings.graceMs = Math.round(parseDuration(options.grace, '--grace') * 1000);

  const status = statusLine();
  let report: GcReport | undefined;
  await interruptible(async ({ signal, onSignal }) => {
    onSignal(status.clear);
    const run: GcOptions = { ...settings, signal, ...(status.draw ? { onProgress: status.draw } : {}) };
    try {
      const driver = createDriver(config.storage);
      report = await collect(config, driver, run);
    } catch (err) {
      // The root's lock (gc/lock.ts) is named by the root as the user gave it; a database's lease (database/lease.ts) by its holder.
      if (isStowageError(err, 'GC_RUNNING') && !err.message.includes('a replica of this database')) {
        throw new StowageError('GC_RUNNING', `another garbage collection is running on ${root}`);
      }
      throw err;
    } finally {
      status.clear();
    }
  });
  if (report) print(format === 'json' ? `${JSON.stringify(report, null, 2)}\n` : describeReport(report, settings.graceMs));
}

/** With a database: under its lease, beside the replicas' own runs, and its rows brought back in step (gc/coordinated.ts). */
async function collect(config: ServeConfig, driver: StorageDriver, run: GcOptions): Promise<GcReport> {
  const database = await openMetadata(config, driver);
  if (!database) return collectGarbage(driver, run);
  if (driver.touchCopies) attachUseLedger(driver, database.uses);
  try {
    return await collectCoordinated(database, driver, run);
  } finally {
    await database.pool.end();
  }
}

/** The report for people: what went (or would go), then what was kept as too recent. */
export function describeReport(report: GcReport, graceMs: number | undefined): string {
  const verb = report.dryRun ? 'Would delete' : 'Deleted';
  const lines = [
    `${verb} ${plural(report.blobs.removed, 'blob')} (${formatBytes(report.blobs.bytesFreed)}), ${plural(report.manifests.removed, 'manifest')}, ${plural(report.tags.removed, 'tag')} in ${seconds(report.durationMs)}`,
  ];
  for (const tag of report.tags.list) lines.push(`  ${report.dryRun ? 'would untag' : 'untagged'} ${tag.repository}:${tag.tag} (${tag.digest})`);
  if (report.blobs.recent > 0) {
    const window = graceMs === undefined ? 'the grace window' : `the last ${seconds(graceMs)} (the grace window)`;
    lines.push(`Kept ${plural(report.blobs.recent, 'unreferenced blob')} written or used within ${window}: a later run frees them`);
  }
  lines.push(
    `Kept ${plural(report.blobs.kept, 'blob')}, ${plural(report.manifests.kept, 'manifest')} in ${plural(report.repositories, 'repository', 'repositories')}`,
  );
  return `${lines.join('\n')}\n`;
}

function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

/** `1.2s` for a run; a whole number of hours or minutes as such (`1h`, `30m`), as the config writes them. */
function seconds(ms: number): string {
  if (ms >= 3_600_000 && ms % 3_600_000 === 0) return `${ms / 3_600_000}h`;
  if (ms >= 60_000 && ms % 60_000 === 0) return `${ms / 60_000}m`;
  return `${(ms / 1000).toFixed(1)}s`;
}

interface StatusLine {
  /** Draws an event; absent when stderr is no terminal (logs, CI: nothing is drawn). */
  draw?: (event: GcProgress) => void;
  clear: () => void;
}

/**
 * One status line on stderr, redrawn in place (`mark: 120/2000`), at most every 100 ms: a
 * collection is a few phases of counts, which a bar per phase would not make clearer.
 */
function statusLine(): StatusLine {
  const out = process.stderr;
  if (!out.isTTY) return { clear: () => undefined };
  let last = 0;
  let shown = false;
  let phase = '';
  return {
    draw: (event) => {
      const now = Date.now();
      if (event.phase === phase && now - last < 100) return;
      phase = event.phase;
      last = now;
      shown = true;
      out.write(`\r\x1b[K${event.phase}: ${event.done}${event.total !== undefined ? `/${event.total}` : ''}`);
    },
    clear: () => {
      if (shown) out.write('\r\x1b[K');
      shown = false;
    },
  };
}
