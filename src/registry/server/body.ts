import type { IncomingMessage } from 'node:http';
import { StowageError } from '../../errors/error.js';

/** Bytes each request's body brought, for its log line and metrics (request-log.ts). */
const bodyBytes = new WeakMap<IncomingMessage, number>();

export function bytesRead(request: IncomingMessage): number {
  return bodyBytes.get(request) ?? 0;
}

/**
 * Reads a small request body (a manifest) whole, refusing more than `limit` bytes: from the
 * Content-Length before reading anything, or as soon as a chunked body goes past it.
 */
export async function readCappedBody(request: IncomingMessage, limit: number): Promise<Buffer> {
  const declared = Number(request.headers['content-length'] ?? NaN);
  if (declared > limit) throw tooLarge(limit);
  const chunks: Buffer[] = [];
  let total = 0;
  try {
    for await (const chunk of request as AsyncIterable<Buffer>) {
      total += chunk.length;
      if (total > limit) throw tooLarge(limit);
      chunks.push(chunk);
    }
  } finally {
    bodyBytes.set(request, total);
  }
  return Buffer.concat(chunks, total);
}

function tooLarge(limit: number): StowageError {
  return new StowageError('MANIFEST_TOO_LARGE', `manifest too large: the limit is ${limit} bytes`, { limit });
}

/**
 * The request body as a stream of chunks, for blobs: never buffered. A body that ends short of
 * its Content-Length is an error, not a smaller blob: Node's HTTP/1 parser reports that as an
 * abort, but an HTTP/2 stream reset by the client mid-body just ends (the reset is seen after),
 * so the count is checked here.
 */
export async function* bodyStream(request: IncomingMessage): AsyncIterable<Uint8Array> {
  const declared = request.headers['content-length'];
  let received = 0;
  try {
    for await (const chunk of request as AsyncIterable<Uint8Array>) {
      received += chunk.length;
      yield chunk;
    }
  } finally {
    bodyBytes.set(request, (bodyBytes.get(request) ?? 0) + received);
  }
  const h2 = (request as Http2Request).stream;
  if ((declared !== undefined && received !== Number(declared)) || (h2 && h2.rstCode !== undefined && h2.rstCode !== 0)) {
    const why = declared !== undefined ? `its Content-Length is ${declared}` : 'the stream was reset';
    throw new StowageError('BLOB_UPLOAD_INVALID', `the request body ended after ${received} bytes, but ${why.slice(0, 60)}`);
  }
}

/** HTTP/2's compat request, as far as the body needs it. */
type Http2Request = IncomingMessage & { stream?: { endAfterHeaders: boolean; rstCode?: number } };

/** Whether the request carries a body at all (uploads may close with an empty PUT). */
export function hasBody(request: IncomingMessage): boolean {
  const length = request.headers['content-length'];
  if (length !== undefined) return Number(length) > 0;
  // HTTP/2 has no Transfer-Encoding (RFC 9113 §8.2.2): a body is whatever follows HEADERS without END_STREAM.
  const h2 = (request as Http2Request).stream;
  if (h2) return !h2.endAfterHeaders;
  return request.headers['transfer-encoding'] !== undefined;
}
