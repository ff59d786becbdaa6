import type { Pool, PoolClient } from 'pg';
import { StowageError } from '../errors/error.js';
import { describeDsn, type DatabaseOptions } from './options.js';

/** The bundle gives CommonJS packages (pg) only a default export (scripts/bundle.mjs). */
function commonJs<T extends object>(module: T): T {
  return (module as { default?: T }).default ?? module;
}

/**
 * A pool of connections to the database, checked with one query: an unreachable server,
 * refused credentials or a missing database stop the caller with one line naming
 * `database.dsn`, not an error on every request.
 */
export async function openPool(options: DatabaseOptions): Promise<Pool> {
  const pg = commonJs(await import('pg'));
  const pool = new pg.Pool({ connectionString: options.dsn, max: options.maxConnections ?? 10, connectionTimeoutMillis: 10_000 });
  // An idle connection the server drops (a restart) is an error event on the pool; the next query reconnects.
  pool.on('error', () => undefined);
  try {
    await pool.query('SELECT 1');
  } catch (err) {
    await pool.end().catch(() => undefined);
    throw new StowageError('CONFIG_INVALID', `database.dsn: cannot use ${describeDsn(options.dsn)}: ${(err as Error).message}`);
  }
  return pool;
}

/** Runs `work` in one transaction on one connection, rolled back if it throws. */
export async function transaction<T>(pool: Pool, work: (client: PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    const result = await work(client);
    await client.query('COMMIT');
    return result;
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  } finally {
    client.release();
  }
}
