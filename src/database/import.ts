import { StowageError } from '../errors/error.js';
import { RegistryStore } from '../registry/store/registry.js';
import type { StorageDriver } from '../storage/driver.js';
import { createLimiter } from '../transport/limiter.js';
import { ensureStorageId, readBinding, readStorageId, writeBinding } from './binding.js';
import { RegistryDatabase } from './metadata.js';
import { applyMigrations } from './migrations.js';
import { openPool } from './pool.js';
import type { DatabaseOptions } from './options.js';

export interface ImportProgress {
  /** Repositories imported so far, those a previous run did included. */
  done: number;
  total: number;
  /** The one just imported (undefined for the first report, before any). */
  repository?: string;
}

export interface ImportReport {
  repositories: number;
  manifests: number;
  tags: number;
  /** Imported by an earlier run that was cut short, and not read again. */
  resumed: number;
  /** Rows of repositories the storage no longer holds, removed. */
  removed: number;
}

export interface ImportOptions {
  /** Called after each repository (and once before the first). */
  onProgress?: (progress: ImportProgress) => void;
  /** Repositories read at once (default 32: each is a few small storage reads, a round trip apiece). */
  concurrency?: number;
  signal?: AbortSignal;
}

/**
 * `stowage registry db import`: builds the database's rows from the storage, one repository
 * at a time, each in one transaction (metadata.ts resync). Resumable: each imported
 * repository is noted, and a run cut short (Ctrl-C, a crash) is taken up where it stopped by
 * the next; servers refuse the database until a run completes (attach.ts). Run again on a
 * complete database it reads everything afresh, and removes the rows of repositories gone
 * from storage. A database that indexes another storage is refused.
 */
export async function importStorage(options: DatabaseOptions, driver: StorageDriver, storage: string, run: ImportOptions = {}): Promise<ImportReport> {
  const concurrency = run.concurrency ?? 32;
  // A connection per repository being read (its transaction holds the repository's lock), and two more.
  const pool = await openPool({ ...options, maxConnections: Math.max(options.maxConnections ?? 0, concurrency + 2) });
  try {
    const client = await pool.connect();
    let resuming: boolean;
    let started: Date;
    try {
      started = (await client.query<{ now: Date }>('SELECT now() AS now')).rows[0]!.now;
      await applyMigrations(client);
      const binding = await readBinding(client);
      const storageId = await readStorageId(driver);
      if (binding && binding.storageId !== storageId) {
        throw new StowageError('CONFIG_INVALID', `database: it indexes another storage (${binding.storage}), not ${storage}: import into an empty database`);
      }
      resuming = binding?.importState === 'importing';
      if (!resuming) await client.query('TRUNCATE import_done');
      await writeBinding(client, { storageId: await ensureStorageId(driver), storage, importState: 'importing' });
    } finally {
      client.release();
    }

    const names = await new RegistryStore({ driver }).walkCatalog();
    const { rows: doneRows } = await pool.query<{ repository: string }>('SELECT repository FROM import_done');
    const already = new Set(doneRows.map((row) => row.repository));
    const database = new RegistryDatabase(pool, driver);
    const limit = createLimiter(concurrency);
    let done = names.filter((name) => already.has(name)).length;
    run.onProgress?.({ done, total: names.length });
    await Promise.all(
      names
        .filter((name) => !already.has(name))
        .map((name) =>
          limit(async () => {
            run.signal?.throwIfAborted();
            await database.resync(name);
            await pool.query('INSERT INTO import_done (repository) VALUES ($1) ON CONFLICT DO NOTHING', [name]);
            run.onProgress?.({ done: ++done, total: names.length, repository: name });
          }),
        ),
    );

    const removed = await pool.query('DELETE FROM repositories WHERE NOT (name = ANY($1::text[]))', [names]);
    const client2 = await pool.connect();
    try {
      await writeBinding(client2, { storageId: await ensureStorageId(driver), storage, importState: 'complete' });
      await client2.query('TRUNCATE import_done');
      // Marks left by servers that died mid-change before this run: it read those repositories afresh.
      await client2.query('DELETE FROM changing WHERE since < $1', [started]);
    } finally {
      client2.release();
    }
    const counts = await pool.query<{ manifests: string; tags: string }>(
      'SELECT (SELECT count(*) FROM manifests) AS manifests, (SELECT count(*) FROM tags) AS tags',
    );
    return {
      repositories: names.length,
      manifests: Number(counts.rows[0]!.manifests),
      tags: Number(counts.rows[0]!.tags),
      resumed: already.size,
      removed: removed.rowCount ?? 0,
    };
  } finally {
    await pool.end().catch(() => undefined);
  }
}
