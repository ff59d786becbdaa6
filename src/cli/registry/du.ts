import { stat } from 'node:fs/promises';
import { loadServeConfig, type ServeFlags } from '../../config/serve-config.js';
import { StowageError } from '../../errors/error.js';
import { computeUsage, type UsageReport } from '../../registry/usage/index.js';
import { openDriver } from '../../storage/drivers.js';
import { renderTable } from '../format/table.js';
import { humanSizePrecise } from '../format/units.js';
import { optionalString, print } from '../verb-output.js';

/**
 * `stowage registry du [config.yml] [REPOSITORY] [--root DIR] [--format json]`: the data dir as
 * `stowage serve` would find it (same config, same REGISTRY_* variables, same ./data default)
 * → computeUsage → a table in `docker system df -v`'s manner, or the report as JSON.
 * A single argument that is not a file is the repository (`registry du team/app`).
 */
export async function registryDu(first: string | undefined, second: string | undefined, options: Record<string, unknown>): Promise<void> {
  const format = optionalString(options.format) ?? 'table';
  if (format !== 'table' && format !== 'json') throw new StowageError('CONFIG_INVALID', `--format: expected table or json, not "${format.slice(0, 40)}"`);
  let config = first;
  let repository = second;
  if (second === undefined && first !== undefined && !(await isFile(first))) {
    config = undefined;
    repository = first;
  }
  const flags: ServeFlags = {};
  if (typeof options.root === 'string') flags.root = options.root;
  const settings = await loadServeConfig(config, flags, process.env);
  const report = await computeUsage(await openDriver(settings.storage), repository === undefined ? {} : { repository });
  print(format === 'json' ? `${JSON.stringify(report, null, 2)}\n` : usageTable(report, repository === undefined));
}

/** REPOSITORY BLOBS SIZE UNIQUE SHARED, sizes as `docker system df` prints them; a TOTAL line for the whole registry. */
export function usageTable(report: UsageReport, total: boolean): string {
  const rows = report.repositories.map((r) => [
    r.name,
    String(r.blobs),
    humanSizePrecise(r.bytes),
    humanSizePrecise(r.uniqueBytes),
    humanSizePrecise(r.sharedBytes),
  ]);
  if (total) {
    // Each blob once: what is unique to one repository, and the rest, held by several.
    const unique = report.repositories.reduce((sum, r) => sum + r.uniqueBytes, 0);
    const { repositories, blobs, bytes } = report.totals;
    const label = `TOTAL (${repositories} ${repositories === 1 ? 'repository' : 'repositories'})`;
    rows.push([label, String(blobs), humanSizePrecise(bytes), humanSizePrecise(unique), humanSizePrecise(bytes - unique)]);
  }
  return renderTable(['REPOSITORY', 'BLOBS', 'SIZE', 'UNIQUE', 'SHARED'], rows);
}

async function isFile(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}
