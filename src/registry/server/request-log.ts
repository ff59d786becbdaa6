import { randomUUID } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { StowageError } from '../../errors/error.js';
import { isStorageFull } from '../../storage/errors.js';
import { grantOf } from './auth/hook.js';
import { bytesRead } from './body.js';
import { toWireError } from './http-errors.js';
import { parseUrl, type ParsedUrl, type Route } from './routes.js';

/**
 * What the server learns about one request while serving it, for its one log line and its
 * metrics: its URL parsed (once, by whichever asks first), the error its response carries and the
 * bytes its response wrote (what its body brought, body.ts counts).
 */
export interface RequestFacts {
  /** The URL parsed (routes.ts), once: by the first of the metrics, the handler, the log line to ask; null when it is no route or cannot be parsed. */
  parsed?: ParsedUrl | null;
  error?: unknown;
  bytesOut: number;
  /** performance.now() when the request came in. */
  startedAt: number;
}

const facts = new WeakMap<FastifyRequest, RequestFacts>();

export function factsOf(request: FastifyRequest): RequestFacts {
  let found = facts.get(request);
  if (!found) {
    found = { bytesOut: 0, startedAt: performance.now() };
    facts.set(request, found);
  }
  return found;
}

/** The request's URL parsed once; null for a path that is no API route or does not parse (the handler then throws its error). */
export function parsedUrlOf(request: FastifyRequest): ParsedUrl | null {
  const known = factsOf(request);
  if (known.parsed === undefined) {
    try {
      known.parsed = parseUrl(request.url) ?? null;
    } catch {
      known.parsed = null;
    }
  }
  return known.parsed;
}

/** The route of a request, if it is one. */
export function routeOf(request: FastifyRequest): Route | undefined {
  return parsedUrlOf(request)?.route;
}

/** An incoming X-Request-Id is kept when it is a plain token (a proxy's, to follow one request through both logs); otherwise a UUID. */
const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

export function requestId(request: { headers: Record<string, string | string[] | undefined> }): string {
  const given = request.headers['x-request-id'];
  return typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
}

export interface RequestLogOptions {
  /** One line per request at info (distribution's access log); off: only failures are logged. */
  accessLog: boolean;
  /** Told of every request's start and end (the metrics, src/registry/metrics/http.ts). */
  observer?: RequestObserver;
}

/** Something told of each request when it starts and when its response is done or cut. */
export interface RequestObserver {
  started(request: FastifyRequest): void;
  ended(request: FastifyRequest, reply: FastifyReply, facts: RequestFacts, gone: boolean): void;
}

/**
 * One JSON line per request, with distribution's field names (its context/http.go and
 * registry/handlers/app.go: `http.request.*`, `http.response.*`, `vars.*`, `auth.user.name`),
 * so the queries operators wrote for registry:2's logs keep working. A failed request is that
 * same line, carrying `err.code`/`err.message`/`err.detail` — logged once, at error for a 5xx
 * (with the cause's stack) and at info for the client's errors; a client that went away is
 * neither. The response's bytes are counted as they are written (an aborted blob GET wrote
 * less than its Content-Length).
 *
 * The end is the response's `close`, not fastify's onResponse: that runs only on `finish`,
 * so a client gone mid-response would never be logged nor leave the in-flight gauge.
 */
export function registerRequestLog(app: FastifyInstance, options: RequestLogOptions): void {
  const { observer } = options;
  app.addHook('onRequest', async (request, reply) => {
    reply.header('X-Request-Id', request.id);
    const known = factsOf(request);
    known.startedAt = performance.now();
    countWritten(reply, known);
    observer?.started(request);
    reply.raw.once('close', () => {
      const gone = !(reply.raw as { writableEnded?: boolean }).writableEnded;
      observer?.ended(request, reply, known, gone);
      logLine(request, reply, known, gone, options.accessLog);
    });
  });
}

function logLine(request: FastifyRequest, reply: FastifyReply, known: RequestFacts, gone: boolean, accessLog: boolean): void {
  const failed = known.error !== undefined && !gone && reply.statusCode >= 500;
  if (!accessLog && !failed) return;
  const line = accessFields(request, reply, known);
  const err = known.error;
  if (gone) request.log.info(line, 'client went away before the response completed');
  else if (err === undefined) request.log.info(line, 'response completed');
  else if (!failed) request.log.info({ ...line, ...errorFields(err) }, 'response completed with error');
  else if (isStorageFull(err)) {
    // The file that could not be written: the operator's cue to free space (never on the wire).
    request.log.error({ ...line, ...errorFields(err), path: err.path, errno: err.errno }, `storage full: ${String(err.detail)}`);
  } else {
    // The cause's stack as one flat field beside distribution's err.* (pino's nested `err` would clash with them).
    request.log.error({ ...line, ...errorFields(err), 'err.stack': err instanceof Error ? err.stack : undefined }, 'response completed with error');
  }
}

function accessFields(request: FastifyRequest, reply: FastifyReply, known: RequestFacts): Record<string, unknown> {
  const line: Record<string, unknown> = {
    'http.request.method': request.method,
    'http.request.uri': request.url,
    'http.request.host': request.headers.host ?? request.headers[':authority'],
    'http.request.remoteaddr': request.ip,
    'http.request.useragent': request.headers['user-agent'] ?? '',
    'http.request.read': bytesRead(request.raw),
    'http.response.status': reply.statusCode,
    'http.response.written': known.bytesOut,
    'http.response.duration': goDuration(performance.now() - known.startedAt),
  };
  const type = reply.getHeader('content-type');
  if (type !== undefined) line['http.response.contenttype'] = String(type);
  const route = routeOf(request);
  if (route && 'name' in route) {
    line['vars.name'] = route.name;
    if ('reference' in route) line['vars.reference'] = route.reference;
    if ('digest' in route) line['vars.digest'] = route.digest;
    if ('uuid' in route) line['vars.uuid'] = route.uuid;
  }
  const identity = grantOf(request)?.identity;
  if (identity?.kind === 'user') line['auth.user.name'] = identity.name;
  return line;
}

function errorFields(err: unknown): Record<string, unknown> {
  const wire = toWireError(err).body.errors[0];
  const fields: Record<string, unknown> = { 'err.code': wire?.code ?? 'UNKNOWN', 'err.message': wire?.message ?? String(err) };
  // The wire hides an unknown error's text; the log is where it goes.
  if (!(err instanceof StowageError)) fields['err.message'] = err instanceof Error ? err.message : String(err);
  if (wire?.detail !== undefined) fields['err.detail'] = wire.detail;
  return fields;
}

/** Counts the response body's bytes as they are written (HTTP/1 and HTTP/2 responses alike). */
function countWritten(reply: FastifyReply, known: RequestFacts): void {
  const raw = reply.raw as unknown as { write: (...args: unknown[]) => boolean; end: (...args: unknown[]) => unknown };
  const write = raw.write;
  const end = raw.end;
  const count = (chunk: unknown, encoding: unknown): void => {
    if (typeof chunk === 'string') known.bytesOut += Buffer.byteLength(chunk, typeof encoding === 'string' ? (encoding as BufferEncoding) : 'utf8');
    else if (chunk instanceof Uint8Array) known.bytesOut += chunk.byteLength;
  };
  raw.write = function (this: unknown, ...args: unknown[]) {
    count(args[0], args[1]);
    return write.apply(this, args);
  };
  raw.end = function (this: unknown, ...args: unknown[]) {
    if (typeof args[0] !== 'function') count(args[0], args[1]);
    return end.apply(this, args);
  };
}

/** A duration as Go's time.Duration prints it ("1.234ms", "2.5s"): distribution's `http.response.duration`. */
export function goDuration(ms: number): string {
  if (ms >= 1000) return `${trim((ms / 1000).toFixed(6))}s`;
  if (ms >= 1) return `${trim(ms.toFixed(6))}ms`;
  return `${trim((ms * 1000).toFixed(3))}µs`;
}

function trim(fixed: string): string {
  return fixed.replace(/\.?0+$/, '');
}
