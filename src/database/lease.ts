import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { Pool } from 'pg';
import { StowageError } from '../errors/error.js';

/** A holder renews its lease this often... */
const RENEW_MS = 10_000;
/** ...for this long: a holder that stopped renewing (killed, cut off) is replaced after it. */
export const LEASE_TTL_MS = 60_000;

/** One replica's hold on a job across every replica of the database (the `leases` table). */
export interface Lease {
  /** Aborted when the lease is lost: it expired unrenewed (the database was unreachable for LEASE_TTL_MS) and another holder may have it. */
  readonly signal: AbortSignal;
  /** Who held it before, when that holder's lease had expired (it died holding it). */
  readonly tookOverFrom: string | undefined;
  release(): Promise<void>;
}

/**
 * Takes the lease `name` or fails with `busy`'s error naming the holder. Times are the
 * database's (`now()`), so replicas' clocks need not agree. The lease is renewed every
 * RENEW_MS while held; a renewal that finds it taken over (this process stalled longer than
 * LEASE_TTL_MS) aborts `signal`, and the holder stops at its next safe point.
 */
export async function acquireLease(
  pool: Pool,
  name: string,
  busy: (holder: string, since: Date) => StowageError,
  { renewMs = RENEW_MS, ttlMs = LEASE_TTL_MS }: { renewMs?: number; ttlMs?: number } = {},
): Promise<Lease> {
  const holder = `process ${process.pid} on ${hostname()}`;
  const token = randomBytes(12).toString('hex');
  const ttl = `${ttlMs} milliseconds`;
  // One statement: a free or expired lease is taken, a live one is left (and reported) as it is.
  const { rows } = await pool.query<{ holder: string; token: string; acquired_at: Date; previous: string | null }>(
    `WITH previous AS (SELECT holder FROM leases WHERE name = $1 AND expires_at < now())
     INSERT INTO leases (name, holder, token, expires_at) VALUES ($1, $2, $3, now() + $4::interval)
     ON CONFLICT (name) DO UPDATE SET holder = EXCLUDED.holder, token = EXCLUDED.token, acquired_at = now(), expires_at = EXCLUDED.expires_at
       WHERE leases.expires_at < now()
     RETURNING holder, token, acquired_at, (SELECT holder FROM previous) AS previous`,
    [name, holder, token, ttl],
  );
  if (rows[0]?.token !== token) {
    const current = await pool.query<{ holder: string; acquired_at: Date }>('SELECT holder, acquired_at FROM leases WHERE name = $1', [name]);
    const row = current.rows[0];
    // Released between the two statements: the caller may try again; report it as busy meanwhile.
    throw busy(row?.holder ?? 'another replica', row?.acquired_at ?? new Date());
  }
  const controller = new AbortController();
  const lost = (why: string): void => controller.abort(new StowageError('GC_RUNNING', `the ${name} lease was lost: ${why}`));
  let renewedAt = performance.now();
  const renew = async (): Promise<void> => {
    try {
      const renewed = await pool.query('UPDATE leases SET expires_at = now() + $3::interval WHERE name = $1 AND token = $2', [name, token, ttl]);
      if (renewed.rowCount === 0) return lost('another replica took it over');
      renewedAt = performance.now();
    } catch (err) {
      // Unreachable for now: the next renewal may succeed, unless the lease may have expired meanwhile.
      if (performance.now() - renewedAt > ttlMs - renewMs)
        lost(`the database did not answer for ${Math.round((ttlMs - renewMs) / 1000)} s (${(err as Error).message})`);
    }
  };
  const timer = setInterval(() => void renew(), renewMs).unref();
  return {
    signal: controller.signal,
    tookOverFrom: rows[0]?.previous ?? undefined,
    async release() {
      clearInterval(timer);
      await pool.query('DELETE FROM leases WHERE name = $1 AND token = $2', [name, token]).catch(() => undefined);
    },
  };
}
