import Fastify, { LogController, type FastifyInstance, type FastifyReply, type FastifyRequest, type FastifyServerOptions } from 'fastify';
import { StowageError } from '../../errors/error.js';
import type { RegistryStore } from '../store/registry.js';
import type { RegistryPolicy } from './context.js';
import { dispatch } from './dispatch.js';
import { toWireError } from './http-errors.js';
import { parseUrl } from './routes.js';

export interface RegistryServerOptions {
  store: RegistryStore;
  policy?: Partial<RegistryPolicy>;
  /** pino logger options, or false for silence (the default, for embedding and tests). */
  logger?: FastifyServerOptions['logger'];
  /** Log every request (default off). */
  logRequests?: boolean;
  /** TLS key and certificate (PEM): the server then speaks HTTPS. */
  tls?: { key: Buffer; cert: Buffer };
}

export const DEFAULT_POLICY: RegistryPolicy = {
  deleteEnabled: true,
  maxManifestBytes: 4 * 1024 * 1024,
  maxCatalogEntries: 1000,
};

const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'] as const;

/**
 * The registry HTTP API (OCI distribution spec v1.1) over a RegistryStore. Routing is ours
 * (see routes.ts: names contain slashes); fastify carries the connection handling, hooks and
 * the single error path. Bodies are never parsed by fastify: handlers stream `request.raw`.
 */
export function createRegistryServer(options: RegistryServerOptions): FastifyInstance {
  const policy: RegistryPolicy = { ...DEFAULT_POLICY, ...options.policy };
  const app = Fastify({
    logger: options.logger ?? false,
    ...(options.tls ? { https: options.tls } : {}),
    exposeHeadRoutes: false,
    return503OnClosing: true,
    forceCloseConnections: 'idle',
    // Docker clients keep connections for a while; a longer keep-alive saves handshakes.
    keepAliveTimeout: 75_000,
    // A log line per request costs throughput; operators who want them ask for debug.
    logController: new LogController({ disableRequestLogging: !options.logRequests }),
  }) as unknown as FastifyInstance;

  // Uploads can be gigabytes and manifests must be kept byte-exact: no body parsing here.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', (_request, _payload, done) => done(null, undefined));

  app.addHook('onRequest', async (_request, reply) => {
    reply.header('Docker-Distribution-API-Version', 'registry/2.0');
    reply.header('X-Content-Type-Options', 'nosniff');
  });

  const handler = async (request: FastifyRequest, reply: FastifyReply): Promise<void> => {
    const parsed = parseUrl(request.url);
    if (!parsed) throw new StowageError('NAME_UNKNOWN', `no such API endpoint: ${request.method} ${request.url.split('?')[0]?.slice(0, 200)}`);
    await dispatch(parsed.route, { request, reply, query: parsed.query, store: options.store, policy });
  };
  app.route({ method: [...METHODS], url: '/v2', handler });
  app.route({ method: [...METHODS], url: '/v2/*', handler });

  app.setErrorHandler((err, request, reply) => {
    const wire = toWireError(err);
    if (request.raw.destroyed) {
      request.log.info({ url: request.url }, 'client went away mid-request');
    } else if (wire.status >= 500) {
      request.log.error({ err, url: request.url, method: request.method }, 'request failed');
    }
    reply.code(wire.status).header('Content-Type', 'application/json; charset=utf-8');
    // A 4xx sent before the body was read: closing the connection is cheaper than draining it.
    if (!request.raw.readableEnded && request.method !== 'GET' && request.method !== 'HEAD') reply.header('Connection', 'close');
    return request.method === 'HEAD' ? reply.send() : reply.send(JSON.stringify(wire.body));
  });

  app.setNotFoundHandler((request, reply) => {
    reply.code(404).header('Content-Type', 'application/json; charset=utf-8');
    return reply.send(JSON.stringify({ errors: [{ code: 'NAME_UNKNOWN', message: 'not found' }] }));
  });

  return app;
}
