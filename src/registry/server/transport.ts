import type { Http2SecureServer, Http2Session } from 'node:http2';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { connectionErrorWire } from './framework-errors.js';
import { COMMON_HEADERS } from './headers.js';
import { httpServerOptions, nodeServerOptions, type RegistryLimits } from './limits.js';

/** Docker clients keep connections for a while; a longer keep-alive saves handshakes. */
export const KEEP_ALIVE_TIMEOUT_MS = 75_000;

export interface TransportSettings {
  limits: RegistryLimits;
  /** TLS key and certificate (PEM): HTTPS, and HTTP/2 unless `http2` is false. */
  tls?: { key: Buffer; cert: Buffer } | undefined;
  /** Offer HTTP/2 over TLS (ALPN `h2`); distribution's `http.http2.disabled` turns it off. */
  http2: boolean;
}

/** Whether these settings make fastify build an HTTP/2 server (with HTTP/1.1 on the same port). */
export function servesHttp2(settings: TransportSettings): boolean {
  return settings.tls !== undefined && settings.http2;
}

/**
 * The fastify options for the transport. Plain HTTP and HTTPS without HTTP/2 are Node's
 * HTTP/1.1 servers, limits given as constructor options. With TLS and HTTP/2, one port speaks
 * both: clients offering `h2` by ALPN get HTTP/2, the others HTTP/1.1 (`allowHTTP1`); cleartext
 * HTTP/2 (h2c) is not offered, as no registry client needs it.
 */
export function transportOptions(settings: TransportSettings): Record<string, unknown> {
  const { limits, tls } = settings;
  if (!tls || !servesHttp2(settings)) {
    return { ...nodeServerOptions(limits, tls), keepAliveTimeout: KEEP_ALIVE_TIMEOUT_MS, forceCloseConnections: 'idle' };
  }
  return {
    http2: true,
    https: {
      allowHTTP1: true,
      key: tls.key,
      cert: tls.cert,
      // The HTTP/2 counterpart of maxHeaderSize, announced to the client (RFC 9113 §6.5.2).
      settings: { maxHeaderListSize: limits.maxHeaderBytes },
    },
    connectionTimeout: limits.idleTimeoutMs,
    http2SessionTimeout: limits.idleTimeoutMs,
    requestTimeout: 0,
  };
}

/**
 * Completes what fastify's options cannot say. An HTTP/2 server's HTTP/1.1 side runs Node's
 * HTTP/1 connection code but takes none of its constructor options: header size, header
 * timeout and keep-alive are read from the server object, so they are set there (before
 * `listen`, when the connection checker is started). And since Node 20's HTTP/2 server does not
 * close idle connections on `close()`, closing does it: HTTP/2 sessions get a GOAWAY (in-flight
 * streams finish), idle HTTP/1.1 sockets are closed, and responses still being made tell their
 * client to close.
 */
export function completeTransport(app: FastifyInstance, settings: TransportSettings): void {
  if (!servesHttp2(settings)) return;
  const server = app.server as unknown as Http2SecureServer & Record<string, unknown>;
  Object.assign(server, { ...httpServerOptions(settings.limits), keepAliveTimeout: KEEP_ALIVE_TIMEOUT_MS });

  const sessions = new Set<Http2Session>();
  server.on('session', (session: Http2Session) => {
    sessions.add(session);
    session.once('close', () => sessions.delete(session));
  });
  let closing = false;
  app.addHook('preClose', async () => {
    closing = true;
    for (const session of sessions) session.close();
    (server as unknown as { closeIdleConnections?: () => void }).closeIdleConnections?.();
  });
  app.addHook('onSend', async (request, reply) => {
    if (closing && request.raw.httpVersionMajor === 1) reply.header('Connection', 'close');
  });
  app.addHook('onRequest', refuseOversizedHttp2Headers(settings.limits));
}

/**
 * maxHeaderBytes for HTTP/2. The SETTINGS_MAX_HEADER_LIST_SIZE announced to the client is
 * advisory (RFC 9113 §6.5.2) and Node does not enforce it on what arrives, so the header list
 * is measured here, the way the HTTP/1.1 parser would count it (`name: value` and a line end),
 * and refused with 431 as on HTTP/1.1.
 */
function refuseOversizedHttp2Headers(limits: RegistryLimits) {
  return async (request: FastifyRequest, reply: FastifyReply): Promise<void> => {
    if (request.raw.httpVersionMajor !== 2) return;
    const raw = request.raw.rawHeaders;
    let size = 0;
    for (let i = 0; i + 1 < raw.length; i += 2) size += (raw[i]?.length ?? 0) + (raw[i + 1]?.length ?? 0) + 4;
    if (size <= limits.maxHeaderBytes) return;
    const wire = connectionErrorWire('HPE_HEADER_OVERFLOW', limits);
    // Answered before the hook that adds the common headers runs.
    return reply.code(wire.status).headers(COMMON_HEADERS).header('Content-Type', 'application/json; charset=utf-8').send(JSON.stringify(wire.body));
  };
}
