import { loadServeConfig, type ServeConfig, type ServeFlags } from '../../config/serve-config.js';
import type { RegistryDatabase } from '../../database/metadata.js';
import { StowageError } from '../../errors/error.js';
import type { StorageDriver } from '../../storage/driver.js';
import { describeDriver, openDriver } from '../../storage/drivers.js';
import { interruptible } from '../interrupt.js';
import { print } from '../verb-output.js';

/**
 * `stowage registry db import [config.yml] [--root DIR]`: the storage and `database` of the
 * config `stowage serve` runs with (REGISTRY_DATABASE_DSN included) → importStorage → one
 * line of totals. Progress on stderr: a status line on a terminal, a line per tenth otherwise.
 * Ctrl-C stops it between repositories; the next run resumes.
 */
export async function registryDbImport(configPath: string | undefined, options: Record<string, unknown>): Promise<void> {
  const flags: ServeFlags = {};
  if (typeof options.root === 'string') flags.root = options.root;
  const config = await loadServeConfig(configPath, flags, process.env);
  const database = requireDatabase(config, configPath);
  const { importStorage, describeDsn } = await import('../../database/index.js');
  const driver = await openDriver(config.storage);
  const progress = progressLine();
  await interruptible(async ({ signal, onSignal }) => {
    onSignal(progress.clear);
    try {
      const report = await importStorage(database, driver, describeDriver(config.storage), { signal, onProgress: progress.draw });
      progress.clear();
      const resumed = report.resumed > 0 ? `; ${report.resumed} imported by an earlier run` : '';
      const removed = report.removed > 0 ? `; ${report.removed} gone from storage removed` : '';
      print(
        `Imported ${plural(report.repositories, 'repository', 'repositories')} (${plural(report.manifests, 'manifest')}, ${plural(report.tags, 'tag')}) into ${describeDsn(database.dsn)}${resumed}${removed}\n`,
      );
    } finally {
      progress.clear();
    }
  });
}

/**
 * For the maintenance verbs that change a registry behind its server (gc, cache rm): the
 * database the config names, checked as a server checks it, or undefined without one.
 */
export async function openMetadata(config: ServeConfig, driver: StorageDriver): Promise<RegistryDatabase | undefined> {
  if (!config.database) return undefined;
  const { attachDatabase } = await import('../../database/index.js');
  return (await attachDatabase(config.database, driver, describeDriver(config.storage))).database;
}

function requireDatabase(config: ServeConfig, configPath: string | undefined): NonNullable<ServeConfig['database']> {
  if (config.database) return config.database;
  throw new StowageError('CONFIG_INVALID', `${configPath ?? 'the configuration'} has no database section: set database.dsn (or REGISTRY_DATABASE_DSN)`);
}

function progressLine(): { draw: (p: { done: number; total: number }) => void; clear: () => void } {
  const out = process.stderr;
  let shown = false;
  let last = 0;
  let tenth = -1;
  return {
    draw: ({ done, total }) => {
      if (out.isTTY) {
        const now = Date.now();
        if (now - last < 100 && done < total) return;
        last = now;
        shown = true;
        out.write(`\r\x1b[KImporting repositories: ${done}/${total}`);
        return;
      }
      const reached = total === 0 ? 10 : Math.floor((done * 10) / total);
      if (reached === tenth) return;
      tenth = reached;
      out.write(`Importing repositories: ${done}/${total}\n`);
    },
    clear: () => {
      if (shown) out.write('\r\x1b[K');
      shown = false;
    },
  };
}

function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}
