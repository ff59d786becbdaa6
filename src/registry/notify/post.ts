import { STATUS_CODES } from 'node:http';
import { request, type Dispatcher } from 'undici';

/** How one POST of an envelope went. */
export type PostOutcome =
  | { kind: 'delivered'; status: number }
  | { kind: 'refused'; status: number }
  | { kind: 'unanswered'; message: string }
  | { kind: 'aborted' };

export interface PostRequest {
  url: string;
  body: Buffer;
  headers: Record<string, string | string[]>;
  timeoutMs: number;
  dispatcher: Dispatcher;
  /** Aborts the attempt when the notifier closes. */
  signal: AbortSignal;
}

/**
 * One attempt, as distribution's httpSink makes it: any 2xx or 3xx answer is delivered, another
 * status is refused, no answer within the timeout (the whole exchange, as Go's Client.Timeout)
 * or a network error is unanswered. Redirects are not followed: a 3xx is the endpoint's answer.
 * (Go's client would follow a 301/302 and count the answer at the end; a webhook receiver that
 * redirects is rare enough that the simpler rule, the one distribution documents, wins.)
 */
export async function postEnvelope(req: PostRequest): Promise<PostOutcome> {
  const controller = new AbortController();
  const timeout = new Error(`no answer within ${req.timeoutMs} ms`);
  const timer = setTimeout(() => controller.abort(timeout), req.timeoutMs);
  const onAbort = (): void => controller.abort(req.signal.reason);
  req.signal.addEventListener('abort', onAbort, { once: true });
  try {
    if (req.signal.aborted) return { kind: 'aborted' };
    const response = await request(req.url, {
      method: 'POST',
      headers: req.headers,
      body: req.body,
      dispatcher: req.dispatcher,
      signal: controller.signal,
    });
    await response.body.dump();
    const status = response.statusCode;
    return status >= 200 && status < 400 ? { kind: 'delivered', status } : { kind: 'refused', status };
  } catch (err) {
    if (req.signal.aborted) return { kind: 'aborted' };
    if (controller.signal.aborted) return { kind: 'unanswered', message: timeout.message };
    return { kind: 'unanswered', message: describe(err) };
  } finally {
    clearTimeout(timer);
    req.signal.removeEventListener('abort', onAbort);
  }
}

/** A status as distribution labels it in metrics: `200 OK`. */
export function statusLabel(status: number): string {
  const text = STATUS_CODES[status];
  return text ? `${status} ${text}` : String(status);
}

function describe(err: unknown): string {
  const error = err as Error & { code?: string; cause?: { code?: string; message?: string } };
  const code = error.cause?.code ?? error.code;
  return code ? `${code}: ${error.cause?.message ?? error.message}` : error.message;
}
