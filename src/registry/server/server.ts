import Fastify, { LogController, type FastifyInstance, type FastifyReply, type FastifyRequest, type FastifyServerOptions } from 'fastify';
import { StowageError } from '../../errors/error.js';
import { healthResponse, type HealthMonitor } from '../health/index.js';
import { httpObserver, type RegistryMetrics } from '../metrics/index.js';
import type { RegistryStore } from '../store/registry.js';
import { accessHook, grantOf } from './auth/hook.js';
import { originResolver, type OriginSettings } from './auth/origin.js';
import { ADMIN_ACCESS } from './auth/required.js';
import { OPEN_GRANT, type AccessController } from './auth/types.js';
import type { RegistryPolicy } from './context.js';
import { dispatch } from './dispatch.js';
import { clientErrorHandler, frameworkErrors } from './framework-errors.js';
import { GcRunner } from './gc-schedule.js';
import type { ProxyCache } from '../proxy/cache.js';
import { registerAdminRoutes, type AdminServices } from './handlers/admin.js';
import { computeUsage } from '../usage/index.js';
import { COMMON_HEADERS } from './headers.js';
import { toWireError } from './http-errors.js';
import { resolveLimits, UploadConcurrency, type RegistryLimits } from './limits.js';
import { RequestEvents, type EventContext } from './events.js';
import { factsOf, parsedUrlOf, registerRequestLog, requestId } from './request-log.js';
import { parseUrl } from './routes.js';
import { completeTransport, transportOptions } from './transport.js';
import { holdUploadSlot, isUploadRequest } from './upload-slots.js';

export interface RegistryServerOptions {
  store: RegistryStore;
  policy?: Partial<RegistryPolicy>;
  /** pino logger options, or false for silence (the default, for embedding and tests). */
  logger?: FastifyServerOptions['logger'];
  /** One access log line per request at info (request-log.ts; default off). Failures are logged either way. */
  logRequests?: boolean;
  /** Prometheus metrics (src/registry/metrics): every request counted and timed into them. Absent: nothing measured. */
  metrics?: RegistryMetrics;
  /** Notifications (events.ts): handlers publish distribution's events through it. Absent: none. */
  events?: Omit<EventContext, 'origin'>;
  /** distribution's health checks: `GET /v2/` is 503 with the failing checks while one fails. */
  health?: Pick<HealthMonitor, 'status' | 'healthy'>;
  /** TLS key and certificate (PEM): the server then speaks HTTPS, and HTTP/2 to clients that offer it. */
  tls?: { key: Buffer; cert: Buffer };
  /** Offer HTTP/2 with TLS (default true; distribution's `http.http2.disabled`). */
  http2?: boolean;
  /** Resource limits (limits.ts); each one not given keeps its default. */
  limits?: Partial<RegistryLimits>;
  /** Access control (auth/): every API request is authorized by it before its handler runs. */
  auth?: AccessController;
  /**
   * How the server names itself in URLs it sends (the default token realm): distribution's
   * `http.host`, and Stowage's `http.trustedproxies`, whose X-Forwarded-* (and X-Forwarded-For,
   * for the per-client upload limit) are believed. Neither: the connection's local address.
   */
  origin?: OriginSettings;
  /** distribution's `http.headers`: added to every response. */
  headers?: Record<string, string[]>;
  /** distribution's `storage.maintenance.readonly`: every write is 405 UNSUPPORTED. */
  readOnly?: boolean;
  /**
   * What the admin API (handlers/admin.ts) runs: default, a collector runner with default
   * settings over the store's driver (stopped when the app closes).
   */
  admin?: Partial<AdminServices>;
  /** The pull-through cache (src/registry/proxy): repositories it routes to an upstream are served through it. */
  proxy?: ProxyCache;
}

/** Secrets that must never reach a log line, whatever a serializer or a debug level adds. */
const REDACTED_PATHS = ['req.headers.authorization', 'req.headers.cookie', 'request.headers.authorization', 'headers.authorization'];

export const DEFAULT_POLICY: RegistryPolicy = {
  deleteEnabled: true,
  maxManifestBytes: 4 * 1024 * 1024,
  maxCatalogEntries: 1000,
  automaticCrossMount: false,
  // An embedding program asks for redirects; `stowage serve` has distribution's default (on).
  redirect: false,
};

const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'] as const;

/**
 * The registry HTTP API (OCI distribution spec v1.1) over a RegistryStore. Routing is ours
 * (see routes.ts: names contain slashes); fastify carries the connection handling, hooks and
 * the single error path. Bodies are never parsed by fastify: handlers stream `request.raw`.
 */
export function createRegistryServer(options: RegistryServerOptions): FastifyInstance {
  const policy: RegistryPolicy = { ...DEFAULT_POLICY, ...options.policy };
  const limits = resolveLimits(options.limits);
  const transport = { limits, tls: options.tls, http2: options.http2 ?? true };
  const app = Fastify({
    logger: withRedaction(options.logger),
    ...transportOptions(transport),
    exposeHeadRoutes: false,
    return503OnClosing: true,
    // fastify's own two lines per request are replaced by distribution's one (request-log.ts).
    logController: new LogController({ disableRequestLogging: true, requestIdLogLabel: 'http.request.id' }),
    genReqId: requestId,
    frameworkErrors,
    clientErrorHandler: clientErrorHandler(limits),
    ...(options.origin?.trustedProxies?.length ? { trustProxy: options.origin.trustedProxies } : {}),
  }) as unknown as FastifyInstance;
  completeTransport(app, transport);
  const uploadSlots = new UploadConcurrency(limits.maxConcurrentUploadsPerClient);

  // Uploads can be gigabytes and manifests must be kept byte-exact: no body parsing here.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', (_request, _payload, done) => done(null, undefined));

  registerRequestLog(app, { accessLog: options.logRequests === true, ...(options.metrics ? { observer: httpObserver(options.metrics) } : {}) });

  // Draining (the listener closed): an HTTP/1 response finishing now ends its connection, so no
  // idle keep-alive socket holds the shutdown until the client's agent gives up on it.
  app.addHook('onSend', async (request, reply) => {
    if (!app.server.listening && request.raw.httpVersionMajor === 1) reply.header('Connection', 'close');
  });

  // As distribution wraps its base route in health.Handler: before access control, so a load
  // balancer probing `/v2/` without credentials sees 503, not 401, while a check fails.
  const health = options.health;
  if (health) {
    app.addHook('onRequest', async (request, reply) => {
      const path = request.url.split('?')[0];
      if ((path !== '/v2/' && path !== '/v2') || health.healthy()) return;
      const answer = healthResponse(health);
      return reply.code(503).header('Content-Type', answer.contentType).send(answer.body);
    });
  }

  const extraHeaders = Object.entries(options.headers ?? {});
  app.addHook('onRequest', async (_request, reply) => {
    reply.headers(COMMON_HEADERS);
    for (const [name, values] of extraHeaders) reply.header(name, values.length === 1 ? values[0] : values);
  });

  const auth = options.auth;
  const origin = originResolver(options.origin);
  const events: EventContext | undefined = options.events ? { ...options.events, origin } : undefined;
  const handler = async (request: FastifyRequest, reply: FastifyReply): Promise<void> => {
    // With access control, a request the hook did not authorize is refused, never served open.
    const grant = auth ? grantOf(request) : OPEN_GRANT;
    if (!grant) throw new StowageError('DENIED', 'access was not checked');
    // Parsed once per request (the metrics may have asked first); parsed again only to throw its error.
    const parsed = parsedUrlOf(request) ?? parseUrl(request.url);
    if (!parsed) throw new StowageError('NAME_UNKNOWN', `no such API endpoint: ${request.method} ${request.url.split('?')[0]?.slice(0, 200)}`);
    // As distribution's read-only mode: reads are served, every write refused (405 UNSUPPORTED).
    if (options.readOnly && request.method !== 'GET' && request.method !== 'HEAD') {
      throw new StowageError('UNSUPPORTED', 'the registry is in read-only mode');
    }
    if (isUploadRequest(parsed.route, request.method)) holdUploadSlot(uploadSlots, request, reply);
    await dispatch(parsed.route, {
      request,
      reply,
      query: parsed.query,
      store: options.store,
      policy,
      grant,
      limits,
      ...(options.proxy ? { proxy: options.proxy } : {}),
      ...(events ? { events: new RequestEvents(events, request) } : {}),
    });
  };
  const onRequest = auth ? { onRequest: accessHook(auth, origin) } : {};
  app.route({ method: [...METHODS], url: '/v2', handler, ...onRequest });
  app.route({ method: [...METHODS], url: '/v2/*', handler, ...onRequest });
  auth?.routes?.(app);

  // An open registry (no auth) lets anyone delete anything already: its admin API is open too.
  // With auth, only `registry:admin:*` (access.ts: admins) gets past the hook, whatever the path's spelling.
  const adminHook = auth ? { onRequest: accessHook(auth, origin, () => ADMIN_ACCESS) } : {};
  registerAdminRoutes(app, { services: adminServices(app, options), readOnly: options.readOnly === true, methods: METHODS, ...adminHook });

  app.setErrorHandler((err, request, reply) => {
    const wire = toWireError(err);
    // Logged once, with the request's line, when the response is done (request-log.ts).
    factsOf(request).error = err;
    reply.code(wire.status).header('Content-Type', 'application/json; charset=utf-8');
    for (const [name, value] of Object.entries(wire.headers ?? {})) reply.header(name, value);
    // A 4xx sent before the body was read: closing the connection is cheaper than draining it.
    // HTTP/2 has no Connection header (RFC 9113 §8.2.2): its stream is simply reset.
    const unread = !request.raw.readableEnded && request.method !== 'GET' && request.method !== 'HEAD';
    if (unread && request.raw.httpVersionMajor === 1) reply.header('Connection', 'close');
    return request.method === 'HEAD' ? reply.send() : reply.send(JSON.stringify(wire.body));
  });

  app.setNotFoundHandler((_request, reply) => {
    reply.code(404).header('Content-Type', 'application/json; charset=utf-8');
    return reply.send(JSON.stringify({ errors: [{ code: 'NAME_UNKNOWN', message: 'not found' }] }));
  });

  return app;
}

function adminServices(app: FastifyInstance, options: RegistryServerOptions): AdminServices {
  let gc = options.admin?.gc;
  if (!gc) {
    const runner = new GcRunner({ driver: options.store.driver, log: app.log });
    app.addHook('onClose', () => runner.stop());
    gc = runner;
  }
  const driver = options.store.driver;
  const proxy = options.proxy;
  return {
    gc,
    usage: options.admin?.usage ?? ((usage) => computeUsage(driver, usage)),
    cache: options.admin?.cache ?? (() => ({ upstreams: proxy?.stats() ?? [] })),
  };
}

function withRedaction(logger: RegistryServerOptions['logger']): FastifyServerOptions['logger'] {
  if (!logger) return false;
  const base = logger === true ? {} : logger;
  return { ...base, redact: { paths: REDACTED_PATHS, censor: '[redacted]' } };
}
