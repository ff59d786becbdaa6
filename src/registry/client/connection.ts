import type { IncomingHttpHeaders } from 'node:http';
import type { Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Dispatcher } from 'undici';
import { Agent, request } from './undici-lean.js';
import { StowageError } from '../../errors/error.js';
import type { Authenticator } from './auth/authenticator.js';
import { parseWwwAuthenticate } from './auth/challenge.js';
import type { Endpoint } from './hosts.js';

export interface RegistryRequest {
  method: 'GET' | 'HEAD' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** `/v2/…`, or an absolute URL the registry handed out (an upload Location). */
  path: string;
  headers?: Record<string, string>;
  /** A Buffer can be re-sent (retries, auth); a stream cannot, so it is sent once. */
  body?: Buffer | Readable;
  /** Token scopes the request needs (`repository:a/b:pull`). */
  scopes: string[];
  /** A pull may be served by a mirror. */
  pull?: boolean;
}

export interface RegistryResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: Dispatcher.ResponseData['body'];
  /** The URL that answered, after redirects: relative Locations resolve against it. */
  url: string;
}

export interface ConnectionOptions {
  authenticator: Authenticator;
  dispatcher?: Dispatcher;
  userAgent?: string;
  /** Attempts after the first for 5xx, 429 and network errors on replayable requests (default 4). */
  retries?: number;
  /** Longest Retry-After honoured, in seconds; a longer one fails at once (default 60). */
  maxRetryAfterSeconds?: number;
}

const REDIRECTS = new Set([301, 302, 303, 307, 308]);

/**
 * One registry as seen by the client: which endpoint answers (mirrors, HTTPS or, for
 * insecure hosts, HTTP), authentication on 401 (token.md's challenge flow), retries with
 * backoff honouring Retry-After, and redirects (blob GETs are often redirected to object
 * storage; Authorization never follows to another host — distribution spec, "API").
 */
export class RegistryConnection {
  private readonly bases = new Map<string, Promise<string>>();
  private insecureDispatcher: Agent | undefined;

  constructor(
    private readonly endpoints: Endpoint[],
    private readonly options: ConnectionOptions,
  ) {}

  async send(req: RegistryRequest): Promise<RegistryResponse> {
    const candidates = req.pull ? this.endpoints : this.endpoints.filter((e) => !e.mirror);
    for (const endpoint of candidates) {
      if (!endpoint.mirror) return this.sendTo(endpoint, req);
      // A mirror that fails or lacks the content is skipped, as dockerd does.
      try {
        const response = await this.sendTo(endpoint, req);
        if (response.status < 400) return response;
        await response.body.dump();
      } catch {
        // next endpoint
      }
    }
    throw new StowageError('INTERNAL', 'no endpoint to send the request to');
  }

  private async sendTo(endpoint: Endpoint, req: RegistryRequest): Promise<RegistryResponse> {
    const base = await this.baseFor(endpoint);
    let url = /^https?:\/\//.test(req.path) ? req.path : `${base}${req.path}`;
    checkScheme(url, base, endpoint.insecure);
    const replayable = !(req.body && typeof (req.body as Readable).pipe === 'function');
    const retries = this.options.retries ?? 4;
    let authTried = false;
    let answered: string | undefined;
    // An upload Location or a Link may name another host: credentials go only to this registry.
    let sameHost = sameOrigin(url, base);
    let redirects = 0;
    for (let attempt = 0; ; ) {
      const headers: Record<string, string> = { 'user-agent': this.options.userAgent ?? 'stowage', ...req.headers };
      const authorization = sameHost ? (answered ?? this.options.authenticator.cached(endpoint.credentialHost, req.scopes)) : undefined;
      if (authorization) headers.authorization = authorization;
      let response: RegistryResponse;
      try {
        response = await this.raw(endpoint, url, req.method, headers, req.body);
      } catch (err) {
        if (!replayable || attempt >= retries || !isNetworkError(err)) throw networkError(url, err);
        await sleep(backoff(attempt++));
        continue;
      }
      if (response.status === 401 && !authTried && sameHost) {
        authTried = true;
        const challenges = parseWwwAuthenticate(response.headers['www-authenticate']);
        await response.body.dump();
        answered = await this.options.authenticator.respond(endpoint.credentialHost, challenges, req.scopes, authorization);
        if (!answered)
          throw new StowageError(
            'UNAUTHORIZED',
            `${endpoint.credentialHost}: authentication required and no credentials answer the challenge (try stowage login ${endpoint.credentialHost})`,
          );
        if (!replayable) throw new StowageError('UNAUTHORIZED', `${endpoint.credentialHost}: authentication was required in the middle of a streamed upload`);
        continue;
      }
      if ((response.status >= 500 || response.status === 429) && replayable && attempt < retries) {
        const wait = retryAfter(response.headers['retry-after']) ?? backoff(attempt);
        if (wait <= (this.options.maxRetryAfterSeconds ?? 60) * 1000) {
          await response.body.dump();
          await sleep(wait);
          attempt++;
          continue;
        }
      }
      const location = response.headers.location;
      if (REDIRECTS.has(response.status) && typeof location === 'string' && (req.method === 'GET' || req.method === 'HEAD') && redirects++ < 5) {
        await response.body.dump();
        const next = new URL(location, url);
        checkScheme(next.toString(), base, endpoint.insecure);
        sameHost = sameHost && sameOrigin(next.toString(), url);
        url = next.toString();
        continue;
      }
      return response;
    }
  }

  private async raw(
    endpoint: Endpoint,
    url: string,
    method: RegistryRequest['method'],
    headers: Record<string, string>,
    body: Buffer | Readable | undefined,
  ): Promise<RegistryResponse> {
    const dispatcher = endpoint.insecure && url.startsWith('https:') ? this.insecure() : this.options.dispatcher;
    const response = await request(url, { method, headers, body: body ?? null, ...(dispatcher ? { dispatcher } : {}) });
    return { status: response.statusCode, headers: response.headers as IncomingHttpHeaders, body: response.body, url };
  }

  /**
   * HTTPS, or for an insecure endpoint whichever of HTTPS (unverified) and HTTP answers
   * `/v2/` first — dockerd's order. Decided once per endpoint, before any body is sent.
   */
  private baseFor(endpoint: Endpoint): Promise<string> {
    if (!endpoint.insecure) return Promise.resolve(endpoint.baseUrl);
    let base = this.bases.get(endpoint.baseUrl);
    if (!base) {
      base = this.probe(endpoint);
      this.bases.set(endpoint.baseUrl, base);
    }
    return base;
  }

  private async probe(endpoint: Endpoint): Promise<string> {
    const https = endpoint.baseUrl;
    try {
      const response = await request(`${https}/v2/`, { method: 'GET', dispatcher: this.insecure() });
      await response.body.dump();
      return https;
    } catch {
      return https.replace(/^https:/, 'http:');
    }
  }

  private insecure(): Agent {
    this.insecureDispatcher ??= new Agent({ connect: { rejectUnauthorized: false } });
    return this.insecureDispatcher;
  }

  async close(): Promise<void> {
    await this.insecureDispatcher?.close();
  }
}

/** Same scheme, host and port: an https → http hop is another origin, and loses the credentials. */
function sameOrigin(a: string, b: string): boolean {
  const x = new URL(a);
  const y = new URL(b);
  return x.protocol === y.protocol && x.host === y.host;
}

/** Plain HTTP only where the registry itself is allowed it (loopback, --insecure-registry). */
function checkScheme(url: string, base: string, insecure: boolean): void {
  if (url.startsWith('http:') && !insecure && !base.startsWith('http:')) {
    throw new StowageError('DENIED', `refusing to follow the registry to plain HTTP: ${new URL(url).origin} (allow it with --insecure-registry)`);
  }
}

const NETWORK_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ETIMEDOUT',
  'EPIPE',
  'EAI_AGAIN',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
  'UND_ERR_CLOSED',
]);

export function isNetworkError(err: unknown): boolean {
  const e = err as { code?: string; cause?: { code?: string } };
  return NETWORK_CODES.has(e?.code ?? '') || NETWORK_CODES.has(e?.cause?.code ?? '');
}

function networkError(url: string, err: unknown): Error {
  if (err instanceof StowageError) return err;
  const e = err as { code?: string; message?: string };
  const host = new URL(url).host;
  return Object.assign(new Error(`cannot reach ${host}: ${e.code ?? ''} ${e.message ?? String(err)}`.replace(/\s+/g, ' ').trim()), { code: e.code });
}

/** Exponential backoff with jitter: ~0.2 s, 0.4 s, 0.8 s… capped at 10 s. */
function backoff(attempt: number): number {
  return Math.min(10_000, 200 * 2 ** attempt) * (0.5 + Math.random() / 2);
}

/** RFC 9110 §10.2.3: seconds, or an HTTP date. */
function retryAfter(value: string | string[] | undefined): number | undefined {
  const text = Array.isArray(value) ? value[0] : value;
  if (!text) return undefined;
  if (/^\d+$/.test(text.trim())) return Number(text) * 1000;
  const date = Date.parse(text);
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now());
}
