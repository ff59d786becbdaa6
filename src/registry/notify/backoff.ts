/**
 * How long to wait before the next attempt after `failures` consecutive failures. distribution's
 * breaker retries at once below `threshold`, then waits `backoff` before each attempt. Stowage
 * doubles that wait with each further failure up to 30 backoffs, and never beyond 5 minutes
 * (unless backoff itself is longer): an endpoint down for hours then costs one request every
 * half minute (with the default 1s backoff) instead of one a second, and one that comes back is
 * still noticed within that half minute. It never gives up: an event is only ever dropped when
 * the queue is full, never because it failed.
 */
export function retryDelay(failures: number, threshold: number, backoffMs: number): number {
  if (failures < threshold) return 0;
  const ceiling = Math.max(backoffMs, Math.min(30 * backoffMs, 5 * 60_000));
  return Math.min(backoffMs * 2 ** Math.min(failures - threshold, 30), ceiling);
}
