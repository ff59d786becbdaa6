import { DEFAULT_INTERVAL_MS, DEFAULT_TIMEOUT_MS, type HealthCheck } from './check.js';

export interface HttpCheckOptions {
  /** The URI asked: the check's name. */
  uri: string;
  /** Sent with every request, each name with all its values (Go's http.Header). */
  headers?: Readonly<Record<string, readonly string[]>>;
  /** The one status that is healthy; distribution's default is 200. */
  statusCode?: number;
  timeoutMs?: number;
  intervalMs?: number;
  threshold?: number;
}

/**
 * distribution's HTTP check: a HEAD request (redirects followed, as Go's client does) that
 * must answer the expected status within the timeout. Any other status, a connection error or
 * the deadline fails it.
 */
export function httpCheck(options: HttpCheckOptions): HealthCheck {
  const expected = options.statusCode ?? 200;
  return {
    name: options.uri,
    intervalMs: options.intervalMs ?? DEFAULT_INTERVAL_MS,
    threshold: options.threshold ?? 1,
    timeoutMs: options.timeoutMs ?? DEFAULT_TIMEOUT_MS,
    run: async (signal) => {
      const headers = new Headers();
      for (const [name, values] of Object.entries(options.headers ?? {})) for (const value of values) headers.append(name, value);
      let response: Response;
      try {
        response = await fetch(options.uri, { method: 'HEAD', headers, signal });
      } catch (err) {
        if (signal.aborted) throw new Error('no answer in time');
        // fetch says only "fetch failed"; the cause says why (ECONNREFUSED, a TLS failure).
        const cause = (err as { cause?: unknown }).cause;
        throw new Error(`request failed: ${cause instanceof Error ? cause.message : (err as Error).message}`);
      }
      // A HEAD answer has no body; cancelling frees the connection for the next run either way.
      await response.body?.cancel();
      if (response.status !== expected) throw new Error(`answered ${response.status}, expected ${expected}`);
    },
  };
}
