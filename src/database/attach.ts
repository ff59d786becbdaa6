import type { Pool } from 'pg';
import { StowageError } from '../errors/error.js';
import type { StorageDriver } from '../storage/driver.js';
import { RegistryStore } from '../registry/store/registry.js';
import { ensureStorageId, readBinding, readStorageId, writeBinding } from './binding.js';
import { RegistryDatabase } from './metadata.js';
import { applyMigrations } from './migrations.js';
import { openPool } from './pool.js';
import type { DatabaseOptions } from './options.js';

/** A change whose replica went silent this long ago is taken as cut short (a crash between storage and database). */
const CHANGE_STALE_SECONDS = 60;

export interface Attached {
  database: RegistryDatabase;
  /** Repositories read again from storage because a change to them was cut short. */
  repaired: string[];
  /** Repositories the database lists. */
  repositories: number;
}

/**
 * Opens the database a server uses beside `driver`, and checks that the two agree before
 * anything is served: the schema migrated (migrations.ts); the database indexes this storage
 * and no other (binding.ts); no import half done. A new, empty database over an empty storage
 * is bound to it there and then; over a storage that holds repositories it is refused, since
 * answering the catalog from it would hide them (`stowage registry db import` fills it first).
 * What can be repaired is: a change cut short by a crash between its storage write and its row
 * is redone by reading that repository again.
 */
export async function attachDatabase(options: DatabaseOptions, driver: StorageDriver, storage: string): Promise<Attached> {
  const pool = await openPool(options);
  try {
    const client = await pool.connect();
    try {
      await applyMigrations(client);
      const binding = await readBinding(client);
      const storageId = await readStorageId(driver);
      if (!binding) {
        const names = await new RegistryStore({ driver }).walkCatalog();
        if (names.length > 0) {
          throw refuse(`it is empty and ${storage} holds ${names.length} repositories: fill it first with \`stowage registry db import\``);
        }
        await writeBinding(client, { storageId: await ensureStorageId(driver), storage, importState: 'complete' });
      } else if (binding.importState === 'importing') {
        throw refuse('an import into it has not finished: run `stowage registry db import` again to resume it');
      } else if (binding.storageId !== storageId) {
        throw refuse(`it indexes another storage (${binding.storage}), not ${storage}: give each storage its own database`);
      }
    } finally {
      client.release();
    }
    const database = new RegistryDatabase(pool, driver);
    const repaired = await repairChanges(pool, database, CHANGE_STALE_SECONDS);
    const { rows } = await pool.query<{ count: string }>('SELECT count(*) AS count FROM repositories');
    return { database, repaired, repositories: Number(rows[0]!.count) };
  } catch (err) {
    await pool.end().catch(() => undefined);
    throw err;
  }
}

/** Reads again every repository with a change older than `staleSeconds` still marked (its replica died mid-change). */
export async function repairChanges(pool: Pool, database: RegistryDatabase, staleSeconds: number): Promise<string[]> {
  const { rows } = await pool.query<{ repository: string; ids: string[] }>(
    `SELECT repository, array_agg(id::text) AS ids FROM changing WHERE since < now() - make_interval(secs => $1) GROUP BY repository ORDER BY repository`,
    [staleSeconds],
  );
  for (const row of rows) {
    await database.resync(row.repository);
    await pool.query('DELETE FROM changing WHERE id = ANY($1::bigint[])', [row.ids]);
  }
  return rows.map((row) => row.repository);
}

function refuse(why: string): StowageError {
  return new StowageError('CONFIG_INVALID', `database: ${why}`);
}
