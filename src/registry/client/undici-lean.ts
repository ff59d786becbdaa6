// undici's index requires every feature it has (fetch, cookies, WebSocket, mocks, caches,
// sqlite): ~100 ms of module compilation on each CLI start that talks to a registry. The
// client needs one Agent and `request`, so it loads those modules alone; undici has no
// `exports` map, so they are reachable, and its index does the same wiring (below).
import AgentImpl from 'undici/lib/dispatcher/agent.js';
import DispatcherImpl from 'undici/lib/dispatcher/dispatcher.js';
import api from 'undici/lib/api/index.js';
import type { Agent as AgentClass, Dispatcher } from 'undici';

// As undici's index.js: the request/stream/pipeline methods live on Dispatcher's prototype.
Object.assign((DispatcherImpl as { prototype: object }).prototype, api);

export const Agent = AgentImpl as typeof AgentClass;
export type Agent = AgentClass;

let defaultAgent: Dispatcher | undefined;

export type RequestOptions = Omit<Dispatcher.RequestOptions, 'origin' | 'path' | 'method'> & {
  method?: Dispatcher.HttpMethod;
  dispatcher?: Dispatcher;
};

/** undici's top-level `request(url, options)`: the same call, over a default Agent of our own. */
export function request(url: string | URL, options: RequestOptions = {}): Promise<Dispatcher.ResponseData> {
  const target = typeof url === 'string' ? new URL(url) : url;
  const { dispatcher, ...rest } = options;
  const via = dispatcher ?? (defaultAgent ??= new Agent());
  return via.request({
    ...rest,
    origin: target.origin,
    path: target.search ? `${target.pathname}${target.search}` : target.pathname,
    method: options.method ?? (options.body ? 'PUT' : 'GET'),
  });
}
