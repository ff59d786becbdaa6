import type { FastifyReply, FastifyRequest } from 'fastify';
import type { UploadConcurrency } from './limits.js';
import { clientGone } from './response-state.js';
import type { Route } from './routes.js';

/**
 * Whether a request is an upload the per-client limit counts: starting one (POST
 * …/blobs/uploads/, which with `?digest=` carries the whole blob) and sending bytes to one
 * (PATCH and PUT on its location). Status, cancel and every read are not limited.
 */
export function isUploadRequest(route: Route, method: string): boolean {
  if (route.kind === 'uploads') return method === 'POST';
  if (route.kind === 'upload') return method === 'PATCH' || method === 'PUT';
  return false;
}

/**
 * Takes one of the client's upload slots for the life of the response (TOOMANYREQUESTS, 429,
 * when it has none left). The slot is given back when the response has been sent or the
 * connection or stream is gone, whichever comes first: a client that vanishes mid-upload
 * must not keep its slot.
 */
export function holdUploadSlot(slots: UploadConcurrency, request: FastifyRequest, reply: FastifyReply): void {
  const release = slots.acquire(clientKey(request));
  reply.raw.once('finish', release);
  reply.raw.once('close', release);
  // Gone before the listeners were attached: 'close' has fired already and will not again.
  if (clientGone(reply)) release();
}

/** The client an upload is counted against: its address (behind a proxy, the proxy's). */
function clientKey(request: FastifyRequest): string {
  return request.ip || request.raw.socket?.remoteAddress || 'unknown';
}
