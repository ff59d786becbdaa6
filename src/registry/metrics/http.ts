import type { FastifyReply, FastifyRequest } from 'fastify';
import { bytesRead } from '../server/body.js';
import { routeOf, type RequestFacts, type RequestObserver } from '../server/request-log.js';
import type { Route } from '../server/routes.js';
import type { RegistryMetrics } from './metrics.js';
import type { CounterSeries, GaugeSeries, HistogramSeries } from './series.js';

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
 * deliver what 200 promises. Each label set's series is looked up once and kept: a Map
 * lookup per observation otherwise.
 */
export function httpObserver(metrics: RegistryMetrics): RequestObserver {
  const started = new WeakMap<FastifyRequest, Series>();
  const series = new Map<string, Series>();
  const codes = new Map<string, CounterSeries>();
  const seriesOf = (handler: string, method: string): Series => {
    const key = `${handler} ${method}`;
    let found = series.get(key);
    if (!found) {
      found = {
        handler,
        method,
        inFlight: metrics.inFlight.of({ handler }),
        duration: metrics.requestDuration.of({ handler, method }),
        requestSize: metrics.requestSize.of({ handler }),
        responseSize: metrics.responseSize.of({ handler }),
      };
      series.set(key, found);
    }
    return found;
  };
  const requestsOf = (s: Series, code: string): CounterSeries => {
    const key = `${s.handler} ${s.method} ${code}`;
    let found = codes.get(key);
    if (!found) {
      found = metrics.requests.of({ code, handler: s.handler, method: s.method });
      codes.set(key, found);
    }
    return found;
  };
  return {
    started(request) {
      const s = seriesOf(handlerLabel(request), request.method);
      started.set(request, s);
      s.inFlight.inc();
      if (isBlobUpload(request)) metrics.uploadsInFlight.inc();
    },
    ended(request: FastifyRequest, reply: FastifyReply, facts: RequestFacts, gone: boolean) {
      const s = started.get(request);
      if (!s) return;
      const seconds = (performance.now() - facts.startedAt) / 1000;
      s.inFlight.dec();
      requestsOf(s, gone ? '499' : String(reply.statusCode)).inc();
      s.duration.observe(seconds);
      const read = bytesRead(request.raw);
      if (read > 0) s.requestSize.observe(read);
      s.responseSize.observe(facts.bytesOut);
      if (isBlobUpload(request)) {
        metrics.uploadsInFlight.dec();
        metrics.uploadDuration.observe(seconds);
      }
    },
  };
}

/** One handler and method's series, bound once. */
interface Series {
  handler: string;
  method: string;
  inFlight: GaugeSeries;
  duration: HistogramSeries;
  requestSize: HistogramSeries;
  responseSize: HistogramSeries;
}
