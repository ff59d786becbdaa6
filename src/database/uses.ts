import type { Pool } from 'pg';
import { TOUCH_INTERVAL_MS } from '../registry/store/quarantine.js';
import type { UseLedger } from '../registry/store/use-ledger.js';
import { createLimiter } from '../transport/limiter.js';
import { transaction } from './pool.js';

/** Paths whose last recording this process remembers; past it, the memory starts afresh (a path is then recorded once more). */
const REMEMBERED = 100_000;
/** Paths asked about in one query. */
const BATCH = 1000;
/**
 * Paths a collection holds at once. Each holds a pooled connection across its S3 requests; the
 * collector would otherwise ask for well over a pool's worth (its sweeps run tens of paths at
 * once) and clients' uses would queue behind them for connections.
 */
const EXCLUSIVE_CONCURRENCY = 4;

/**
 * The `uses` table as garbage collection's evidence on an object store
 * (registry/store/use-ledger.ts explains the protocol). A use is one upsert, skipped when this
 * process recorded the same path within TOUCH_INTERVAL_MS: the collector allows for that
 * interval, as it does for file times. A collection holds a path's row (`SELECT … FOR
 * UPDATE`, the row inserted first if there is none) while it judges and deletes the path; a
 * use's upsert waits for it. Times are the database's.
 */
export class UsesTable implements UseLedger {
  private readonly recorded = new Map<string, number>();
  private readonly holding = createLimiter(EXCLUSIVE_CONCURRENCY);

  constructor(private readonly pool: Pool) {}

  async record(path: string): Promise<void> {
    const now = Date.now();
    const last = this.recorded.get(path);
    if (last !== undefined && now - last < TOUCH_INTERVAL_MS) return;
    await this.pool.query('INSERT INTO uses (path, used_at) VALUES ($1, now()) ON CONFLICT (path) DO UPDATE SET used_at = now()', [path]);
    if (this.recorded.size >= REMEMBERED) this.recorded.clear();
    this.recorded.set(path, now);
  }

  async lastUses(paths: readonly string[]): Promise<Map<string, number>> {
    const uses = new Map<string, number>();
    for (let i = 0; i < paths.length; i += BATCH) {
      const { rows } = await this.pool.query<{ path: string; used_at: Date }>('SELECT path, used_at FROM uses WHERE path = ANY($1)', [
        paths.slice(i, i + BATCH),
      ]);
      for (const row of rows) uses.set(row.path, row.used_at.getTime());
    }
    return uses;
  }

  async exclusive<T>(path: string, judge: (lastUse: number | undefined) => Promise<{ removed: boolean; value: T }>): Promise<T> {
    return this.holding(() => this.holdWhile(path, judge));
  }

  private holdWhile<T>(path: string, judge: (lastUse: number | undefined) => Promise<{ removed: boolean; value: T }>): Promise<T> {
    return transaction(this.pool, async (client) => {
      // A row to hold even for a path never used: an upsert of a use waits on the uncommitted insert as it would on the lock.
      await client.query("INSERT INTO uses (path, used_at) VALUES ($1, 'epoch') ON CONFLICT (path) DO NOTHING", [path]);
      const { rows } = await client.query<{ used_at: Date }>('SELECT used_at FROM uses WHERE path = $1 FOR UPDATE', [path]);
      // The placeholder's 'epoch' is no use.
      const used = rows[0]?.used_at.getTime() || undefined;
      const { removed, value } = await judge(used);
      if (removed || used === undefined) await client.query('DELETE FROM uses WHERE path = $1', [path]);
      return value;
    });
  }

  async prune(before: number): Promise<void> {
    await this.pool.query('DELETE FROM uses WHERE used_at < $1', [new Date(before)]);
  }
}
