import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { StowageError } from '../../errors/error.js';
import { COMMON_HEADERS } from './headers.js';
import { clientErrorWire, toWireError, type WireError } from './http-errors.js';
import type { RegistryLimits } from './limits.js';

/**
 * Errors raised before fastify has a request to hand to the error handler, in the registry's
 * `{"errors":[…]}` shape rather than fastify's own `{"statusCode":…}` one, so a client parsing
 * the spec's error body always finds one.
 */

/**
 * fastify's `frameworkErrors`: a URL its router cannot decode (`/v2/%zz`, FST_ERR_BAD_URL) and
 * the like. A bad URL is a bad name as far as the spec is concerned (routes.ts answers its own
 * malformed percent-encoding the same way).
 */
export function frameworkErrors(error: FastifyError, request: FastifyRequest, reply: FastifyReply): void {
  const wire =
    error.code === 'FST_ERR_BAD_URL' ? toWireError(new StowageError('NAME_INVALID', 'malformed percent-encoding in the request path')) : toWireError(error);
  request.log.debug({ code: error.code }, 'framework refused the request');
  // fastify answers these before the onRequest hooks that add the common headers.
  void reply.code(wire.status).headers(COMMON_HEADERS).header('Content-Type', 'application/json; charset=utf-8').send(JSON.stringify(wire.body));
}

/** What a connection-level error (Node's `clientError`) becomes on the wire, if anything can be sent. */
export function connectionErrorWire(code: string | undefined, limits: RegistryLimits): WireError {
  switch (code) {
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      return clientErrorWire(408, `the request headers did not arrive within ${limits.headersTimeoutMs} ms`);
    case 'HPE_HEADER_OVERFLOW':
      return clientErrorWire(431, `the request line and headers exceed the limit of ${limits.maxHeaderBytes} bytes`);
    default:
      return clientErrorWire(400, 'malformed HTTP request');
  }
}

/**
 * fastify's `clientErrorHandler` (Node's `clientError` event): a header block too large (431),
 * headers that took longer than headersTimeout (408, the slow-loris cut), unparsable HTTP
 * (400). Answers in the registry's error format and closes the socket.
 */
export function clientErrorHandler(limits: RegistryLimits) {
  return function onClientError(this: FastifyInstance, err: NodeJS.ErrnoException, socket: Socket): void {
    if (err.code === 'ECONNRESET' || socket.destroyed) return;
    this.log.debug({ code: err.code }, 'client connection error');
    // As Node's own handler: never write into a response that has already started.
    const inFlight = (socket as Socket & { _httpMessage?: { headersSent?: boolean } })._httpMessage;
    if (!socket.writable || inFlight?.headersSent) {
      socket.destroy();
      return;
    }
    // end() then destroy once flushed: destroying straight after write() can drop the answer on TLS.
    socket.end(rawResponse(connectionErrorWire(err.code, limits)), () => socket.destroy());
  };
}

function rawResponse(wire: WireError): string {
  const body = JSON.stringify(wire.body);
  return (
    `HTTP/1.1 ${wire.status} ${STATUS_CODES[wire.status] ?? 'Error'}\r\n` +
    'Content-Type: application/json; charset=utf-8\r\n' +
    `Content-Length: ${Buffer.byteLength(body)}\r\n` +
    Object.entries(COMMON_HEADERS)
      .map(([name, value]) => `${name}: ${value}\r\n`)
      .join('') +
    'Connection: close\r\n\r\n' +
    body
  );
}
