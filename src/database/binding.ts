import { randomUUID } from 'node:crypto';
import type { PoolClient } from 'pg';
import { isStowageError } from '../errors/error.js';
import { DATABASE_MARKER } from '../registry/store/paths.js';
import type { StorageDriver } from '../storage/driver.js';

/**
 * Which storage a database indexes: an id kept in both, the storage's in a file under
 * `repositories/_stowage/` (skipped by distribution's catalog walk, as Stowage's other
 * bookkeeping is), the database's in `stowage_binding`. A database pointed at another
 * bucket than the one it indexes would answer the catalog and tags from the wrong one.
 */
export interface Binding {
  storageId: string;
  storage: string;
  importState: 'importing' | 'complete';
}

export async function readBinding(client: PoolClient): Promise<Binding | undefined> {
  const { rows } = await client.query<{ storage_id: string; storage: string; import_state: Binding['importState'] }>(
    'SELECT storage_id, storage, import_state FROM stowage_binding WHERE id = 1',
  );
  const row = rows[0];
  return row ? { storageId: row.storage_id, storage: row.storage, importState: row.import_state } : undefined;
}

export async function writeBinding(client: PoolClient, binding: Binding): Promise<void> {
  await client.query(
    `INSERT INTO stowage_binding (id, storage_id, storage, import_state) VALUES (1, $1, $2, $3)
     ON CONFLICT (id) DO UPDATE SET storage_id = EXCLUDED.storage_id, storage = EXCLUDED.storage, import_state = EXCLUDED.import_state, updated_at = now()`,
    [binding.storageId, binding.storage, binding.importState],
  );
}

/** The storage's id, or undefined when no database ever indexed it. */
export async function readStorageId(driver: StorageDriver): Promise<string | undefined> {
  try {
    const value = JSON.parse((await driver.getContent(DATABASE_MARKER)).toString('utf8')) as { id?: unknown };
    return typeof value.id === 'string' ? value.id : undefined;
  } catch (err) {
    if (isStowageError(err, 'PATH_NOT_FOUND') || err instanceof SyntaxError) return undefined;
    throw err;
  }
}

/** Gives the storage an id (its existing one if it has one). */
export async function ensureStorageId(driver: StorageDriver): Promise<string> {
  const existing = await readStorageId(driver);
  if (existing) return existing;
  const id = randomUUID();
  await driver.putContent(DATABASE_MARKER, Buffer.from(`${JSON.stringify({ id })}\n`));
  return id;
}
