/**
 * One health check, as distribution's health package has them (health/health.go,
 * health/checks/checks.go): a name (the key in `/debug/health`'s body), how often it runs, and
 * how many failures in a row it takes to be reported. The monitor (monitor.ts) runs it.
 */
export interface HealthCheck {
  /** The key in the status body: `storagedriver_filesystem`, a file's path, a URI, an address. */
  readonly name: string;
  readonly intervalMs: number;
  /** Consecutive failures before the check is reported failing; one success clears them. */
  readonly threshold: number;
  /**
   * How long one run may take: past it, the run counts as failed, so that a backend that hangs
   * (a stalled NFS mount, an upstream that accepts and never answers) is reported rather than
   * leaving the last status standing forever.
   */
  readonly timeoutMs: number;
  /** Resolves when healthy; rejects with the error whose message the status body shows. `signal` aborts at the deadline. */
  run(signal: AbortSignal): Promise<void>;
}

/** distribution's defaultCheckInterval (registry/handlers/app.go). */
export const DEFAULT_INTERVAL_MS = 10_000;

/**
 * distribution leaves an HTTP or TCP check without a timeout (Go's zero: wait for ever), so a
 * peer that accepts and never answers keeps the last status. 3s is its documentation's example:
 * longer than any healthy answer on a LAN or across a region, and short enough that a default
 * 10s interval reports a hung peer by the next run.
 */
export const DEFAULT_TIMEOUT_MS = 3_000;

/** `1.5s`, `500ms`: a duration for a message. */
export function formatMs(ms: number): string {
  return ms < 1000 ? `${ms}ms` : `${Number((ms / 1000).toFixed(3))}s`;
}

/** An error's message; a StowageError's detail too when it says more (STORAGE_FULL's "no space left on device"). */
export function errorText(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const detail = (err as { detail?: unknown }).detail;
  return typeof detail === 'string' && detail && !err.message.includes(detail) ? `${err.message} (${detail})` : err.message;
}
