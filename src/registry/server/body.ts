import type { IncomingMessage } from 'node:http';
import { StowageError } from '../../errors/error.js';

/**
 * Reads a small request body (a manifest) whole, refusing more than `limit` bytes: from the
 * Content-Length before reading anything, or as soon as a chunked body goes past it.
 */
export async function readCappedBody(request: IncomingMessage, limit: number): Promise<Buffer> {
  const declared = Number(request.headers['content-length'] ?? NaN);
  if (declared > limit) throw tooLarge(limit);
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of request as AsyncIterable<Buffer>) {
    total += chunk.length;
    if (total > limit) throw tooLarge(limit);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks, total);
}

function tooLarge(limit: number): StowageError {
  return new StowageError('MANIFEST_TOO_LARGE', `manifest too large: the limit is ${limit} bytes`, { limit });
}

/** The request body as a stream of chunks, for blobs: never buffered. */
export function bodyStream(request: IncomingMessage): AsyncIterable<Uint8Array> {
  return request;
}

/** Whether the request carries a body at all (uploads may close with an empty PUT). */
export function hasBody(request: IncomingMessage): boolean {
  const length = request.headers['content-length'];
  if (length !== undefined) return Number(length) > 0;
  return request.headers['transfer-encoding'] !== undefined;
}
