import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { healthResponse, type HealthMonitor } from '../health/index.js';
import type { RegistryMetrics } from '../metrics/index.js';

/** What the health checks say (src/registry/health): distribution's `/debug/health` body, check name → error. */
export type HealthView = Pick<HealthMonitor, 'status'>;

/** distribution's `http.debug`: where the debug listener listens, and whether it serves metrics. */
export interface DebugSettings {
  host: string;
  /** 0 for any free port (see the url `start` returns). */
  port: number;
  /** `http.debug.prometheus`: the metrics' path when enabled (distribution's default `/metrics`). */
  prometheus?: { path: string };
}

export interface DebugServerOptions {
  host: string;
  port: number;
  /** Metrics served at `path` (http.debug.prometheus). */
  metrics?: { registry: RegistryMetrics; path: string };
  health?: HealthView;
  /** Why the registry should get no traffic now (starting, draining), or undefined when it may. */
  notReady: () => string | undefined;
}

export interface DebugServer {
  url: string;
  close(): Promise<void>;
}

/**
 * distribution's debug listener (`http.debug.addr`), on its own port so that neither metrics
 * nor probes are reachable where the API is published:
 * - `/debug/health`: distribution's — `{}` and 200 while every check passes, else 503 and
 *   the failing checks with their errors;
 * - `/livez`: 200 while the process serves at all (restart it when this fails);
 * - `/readyz`: 200 only when the registry should get requests: started, not draining, every
 *   health check passing (take it out of the balancer when this fails);
 * - the Prometheus path (default `/metrics`) when enabled.
 * pprof and expvar, which distribution's also has, are Go's; they are 404 here.
 */
export async function startDebugServer(options: DebugServerOptions): Promise<DebugServer> {
  const server = createServer((request, response) => {
    answer(options, request, response).catch((err: unknown) => {
      if (!response.headersSent) send(response, 500, 'text/plain; charset=utf-8', `${(err as Error).message}\n`);
      else response.destroy();
    });
  });
  // Probes and scrapes are short: an idle connection is not kept for long.
  server.keepAliveTimeout = 5000;
  await listen(server, options.host, options.port);
  const bound = server.address();
  const port = typeof bound === 'object' && bound ? bound.port : options.port;
  const host = options.host.includes(':') ? `[${options.host}]` : options.host;
  return {
    url: `http://${host}:${port}`,
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

async function answer(options: DebugServerOptions, request: IncomingMessage, response: ServerResponse): Promise<void> {
  const path = (request.url ?? '/').split('?')[0];
  if (request.method !== 'GET' && request.method !== 'HEAD')
    return send(response, 405, 'text/plain; charset=utf-8', 'method not allowed\n', { Allow: 'GET, HEAD' });
  if (path === '/debug/health') {
    const answer = options.health ? healthResponse(options.health) : { status: 200, contentType: 'application/json', body: '{}' };
    return send(response, answer.status, answer.contentType, answer.body);
  }
  if (path === '/livez') return send(response, 200, 'text/plain; charset=utf-8', 'ok\n');
  if (path === '/readyz') {
    const failing = Object.entries(options.health?.status() ?? {});
    const why = options.notReady() ?? (failing.length ? `failing health checks: ${failing.map(([name, error]) => `${name}: ${error}`).join('; ')}` : undefined);
    return why ? send(response, 503, 'text/plain; charset=utf-8', `not ready: ${why}\n`) : send(response, 200, 'text/plain; charset=utf-8', 'ready\n');
  }
  if (options.metrics && path === options.metrics.path) {
    const { contentType, body } = await options.metrics.registry.exposition();
    return send(response, 200, contentType, body);
  }
  return send(response, 404, 'text/plain; charset=utf-8', '404 page not found\n');
}

function send(response: ServerResponse, status: number, type: string, body: string, headers: Record<string, string> = {}): void {
  response.writeHead(status, { 'Content-Type': type, 'Content-Length': Buffer.byteLength(body), 'Cache-Control': 'no-store', ...headers });
  response.end(response.req.method === 'HEAD' ? undefined : body);
}

function listen(server: Server, host: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
}
