import type { FastifyReply, FastifyRequest } from 'fastify';
import { bytesRead } from '../server/body.js';
import { routeOf, type RequestFacts, type RequestObserver } from '../server/request-log.js';
import type { Route } from '../server/routes.js';
import type { RegistryMetrics } from './metrics.js';

/** distribution's route names (registry/api/v2/routes.go), the `handler` label its dashboards group by. */
const HANDLERS: Record<Route['kind'], string> = {
  base: 'base',
  catalog: 'catalog',
  tags: 'tags',
  manifest: 'manifest',
  blob: 'blob',
  uploads: 'blob_upload',
  upload: 'blob_upload_chunk',
  referrers: 'referrers',
};

/** The `handler` label: a route's name, `admin` for the admin API, `other` for anything else (never the URL: unbounded labels). */
export function handlerLabel(request: FastifyRequest): string {
  const route = routeOf(request);
  if (route) return HANDLERS[route.kind];
  return request.url.startsWith('/admin/') ? 'admin' : 'other';
}

/** Whether the request streams a blob body into storage (a monolithic POST, a PATCH, a PUT with its last chunk). */
function isBlobUpload(request: FastifyRequest): boolean {
  const route = routeOf(request);
  if (route?.kind === 'uploads') return request.method === 'POST' && request.url.includes('digest=');
  return route?.kind === 'upload' && (request.method === 'PATCH' || request.method === 'PUT');
}

/**
 * Counts and times every request into the metrics. A response cut by the client counts as
 * code 499 (nginx's "client closed request"): its status line may say 200, but it did not
 * deliver what 200 promises.
 */
export function httpObserver(metrics: RegistryMetrics): RequestObserver {
  const handlers = new WeakMap<FastifyRequest, { handler: string; upload: boolean }>();
  return {
    started(request) {
      const handler = handlerLabel(request);
      const upload = isBlobUpload(request);
      handlers.set(request, { handler, upload });
      metrics.inFlight.inc({ handler });
      if (upload) metrics.uploadsInFlight.inc();
    },
    ended(request: FastifyRequest, reply: FastifyReply, facts: RequestFacts, gone: boolean) {
      const started = handlers.get(request);
      if (!started) return;
      const { handler, upload } = started;
      const seconds = (performance.now() - facts.startedAt) / 1000;
      metrics.inFlight.dec({ handler });
      metrics.requests.inc({ code: gone ? '499' : String(reply.statusCode), handler, method: request.method });
      metrics.requestDuration.observe({ handler, method: request.method }, seconds);
      const read = bytesRead(request.raw);
      if (read > 0) metrics.requestSize.observe({ handler }, read);
      metrics.responseSize.observe({ handler }, facts.bytesOut);
      if (upload) {
        metrics.uploadsInFlight.dec();
        metrics.uploadDuration.observe(seconds);
      }
    },
  };
}
