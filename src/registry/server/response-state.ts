import type { FastifyReply } from 'fastify';

/**
 * Whether the client is gone before its response was complete: the connection (HTTP/1.1) or
 * the stream (HTTP/2) is destroyed and the response was not ended. Not `request.raw.destroyed`:
 * Node destroys a request once its body has been read to the end, so that says nothing about
 * the client.
 */
export function clientGone(reply: FastifyReply): boolean {
  // HTTP/2's compat response has no `destroyed`; its stream does.
  const raw = reply.raw as { destroyed?: boolean; writableEnded?: boolean; stream?: { destroyed: boolean } };
  if (raw.writableEnded) return false;
  return Boolean(raw.stream ? raw.stream.destroyed : raw.destroyed);
}
