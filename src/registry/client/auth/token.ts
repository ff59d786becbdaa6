import { createHash } from 'node:crypto';
import type { Dispatcher } from 'undici';
import { request } from '../undici-lean.js';
import { StowageError } from '../../../errors/error.js';
import type { Credential } from './credentials.js';

export interface TokenRequest {
  /** The challenge's realm: the token endpoint's URL. */
  realm: string;
  service?: string;
  scopes: string[];
  credential?: Credential;
}

export interface TokenProviderOptions {
  /** Milliseconds since the epoch (tests inject one). */
  clock?: () => number;
  userAgent?: string;
  dispatcher?: Dispatcher;
}

interface CachedToken {
  token: string;
  /** When the token stops being used: its expiry less a safety margin. */
  renewAt: number;
}

/** token.md, "Token Response Fields": expires_in defaults to 60 seconds. */
const DEFAULT_EXPIRES_IN = 60;
/** A token is renewed this long before it expires (at most half its life), so it never expires in flight. */
const EARLY_RENEWAL_MS = 5_000;
/** oauth.md: client_id is required on POST and should name the client. */
const CLIENT_ID = 'stowage';
/** A token response is a few KiB; a server sending more is not a token server. */
const MAX_RESPONSE_BYTES = 1024 * 1024;
const TIMEOUT_MS = 30_000;

/**
 * Bearer tokens from a registry's authorization service (docker/auth/token.md, oauth.md).
 * Tokens are cached per (realm, service, scopes, identity) until shortly before they expire,
 * and concurrent requests for one key share a single fetch.
 */
export class TokenProvider {
  private readonly clock: () => number;
  private readonly userAgent: string;
  private readonly dispatcher: Dispatcher | undefined;
  private readonly cache = new Map<string, CachedToken>();
  private readonly inFlight = new Map<string, Promise<string>>();

  constructor(options: TokenProviderOptions = {}) {
    this.clock = options.clock ?? Date.now;
    this.userAgent = options.userAgent ?? 'stowage';
    this.dispatcher = options.dispatcher;
  }

  token(req: TokenRequest): Promise<string> {
    const key = cacheKey(req);
    const cached = this.peekKey(key);
    if (cached !== undefined) return Promise.resolve(cached);
    const pending = this.inFlight.get(key);
    if (pending) return pending;
    const fetching = this.fetch(req)
      .then((fresh) => {
        this.cache.set(key, fresh);
        return fresh.token;
      })
      .finally(() => this.inFlight.delete(key));
    this.inFlight.set(key, fetching);
    return fetching;
  }

  /** The cached token for a request if it is still good, without fetching. */
  peek(req: TokenRequest): string | undefined {
    return this.peekKey(cacheKey(req));
  }

  /** Drops a cached token the registry refused (revoked, or expired by the server's clock). */
  invalidate(req: TokenRequest): void {
    this.cache.delete(cacheKey(req));
  }

  private peekKey(key: string): string | undefined {
    const entry = this.cache.get(key);
    if (!entry) return undefined;
    if (this.clock() < entry.renewAt) return entry.token;
    this.cache.delete(key);
    return undefined;
  }

  private async fetch(req: TokenRequest): Promise<CachedToken> {
    let url: URL;
    try {
      url = new URL(req.realm);
    } catch {
      throw new StowageError('UNAUTHORIZED', `the registry's token realm is not a URL: ${req.realm.slice(0, 200)}`);
    }
    if (url.protocol !== 'https:' && url.protocol !== 'http:') {
      throw new StowageError('UNAUTHORIZED', `the registry's token realm is not http(s): ${url.origin}`);
    }
    const credential = req.credential;
    const headers: Record<string, string> = { 'user-agent': this.userAgent, accept: 'application/json' };
    let method: 'GET' | 'POST' = 'GET';
    let body: string | undefined;
    if (credential && 'identityToken' in credential) {
      // oauth.md, "Getting a token": a refresh token only works with the POST form, and the
      // scopes go in one space-separated parameter.
      method = 'POST';
      const form = new URLSearchParams({ grant_type: 'refresh_token', refresh_token: credential.identityToken, client_id: CLIENT_ID });
      if (req.service) form.set('service', req.service);
      if (req.scopes.length > 0) form.set('scope', req.scopes.join(' '));
      body = form.toString();
      headers['content-type'] = 'application/x-www-form-urlencoded';
    } else {
      // token.md, "Requesting a Token": one scope parameter per scope; account names the user
      // as docker's client does.
      if (req.service) url.searchParams.set('service', req.service);
      for (const scope of req.scopes) url.searchParams.append('scope', scope);
      if (credential) {
        url.searchParams.set('account', credential.username);
        headers.authorization = `Basic ${Buffer.from(`${credential.username}:${credential.password}`).toString('base64')}`;
      }
    }
    const who = credential?.username ? `user ${credential.username}` : credential ? 'identity token' : 'anonymous';
    const where = `${url.origin}${url.pathname}`;
    const secret = credential ? ('identityToken' in credential ? credential.identityToken : credential.password) : undefined;

    const started = this.clock();
    let status: number;
    let text: string;
    try {
      const res = await request(url, {
        method,
        headers,
        body,
        dispatcher: this.dispatcher,
        headersTimeout: TIMEOUT_MS,
        bodyTimeout: TIMEOUT_MS,
      });
      status = res.statusCode;
      text = await readLimited(res.body);
    } catch (err) {
      if (err instanceof StowageError) throw err;
      throw new StowageError('INTERNAL', `token request to ${where} failed: ${(err as Error).message}`);
    }

    if (status === 401 || status === 403) {
      const said = redact(serverMessage(text), secret);
      throw new StowageError('UNAUTHORIZED', `authentication failed for ${who} at ${where}${said ? `: ${said}` : ` (${status})`}`, { status });
    }
    if (status === 429) throw new StowageError('TOOMANYREQUESTS', `token server ${where} is rate limiting (429)`, { status });
    if (status < 200 || status >= 300) {
      const said = redact(serverMessage(text), secret);
      throw new StowageError('INTERNAL', `token request to ${where} returned ${status}${said ? `: ${said}` : ''}`, { status });
    }
    return this.parseResponse(text, where, started);
  }

  private parseResponse(text: string, where: string, started: number): CachedToken {
    let parsed: { token?: unknown; access_token?: unknown; expires_in?: unknown; issued_at?: unknown };
    try {
      parsed = JSON.parse(text) as typeof parsed;
    } catch {
      throw new StowageError('INTERNAL', `token server ${where} answered something other than JSON`);
    }
    // token.md: `token`, or `access_token` for OAuth 2.0 compatibility; at least one is set.
    const token = [parsed.token, parsed.access_token].find((t): t is string => typeof t === 'string' && t !== '');
    if (!token) throw new StowageError('INTERNAL', `token server ${where} answered without a token`);
    const expiresIn = typeof parsed.expires_in === 'number' && parsed.expires_in > 0 ? parsed.expires_in : DEFAULT_EXPIRES_IN;
    // issued_at counts from the server's clock; a stamp in our future is clock skew, and then
    // the exchange time is used, as token.md says for a missing issued_at.
    const issued = typeof parsed.issued_at === 'string' ? Date.parse(parsed.issued_at) : NaN;
    const issuedAt = Number.isFinite(issued) && issued <= this.clock() ? issued : started;
    const lifetimeMs = expiresIn * 1000;
    return { token, renewAt: issuedAt + lifetimeMs - Math.min(EARLY_RENEWAL_MS, lifetimeMs / 2) };
  }
}

/** Identity is a hash of the secret: a changed password or token never reuses a token. */
function cacheKey(req: TokenRequest): string {
  const c = req.credential;
  let identity = 'anonymous';
  if (c) {
    const secret = 'identityToken' in c ? `refresh:${c.identityToken}` : `basic:${c.username}:${c.password}`;
    identity = createHash('sha256').update(secret).digest('hex');
  }
  return JSON.stringify([req.realm, req.service ?? '', [...new Set(req.scopes)].sort(), identity]);
}

async function readLimited(body: Dispatcher.ResponseData['body']): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    size += (chunk as Buffer).length;
    if (size > MAX_RESPONSE_BYTES) {
      body.destroy();
      throw new StowageError('INTERNAL', 'token server response is larger than 1 MiB');
    }
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * What the server said, in one line: distribution's `errors[0].message`, Docker Hub's
 * `details`, OAuth's `error_description`/`error`, or the start of a text body.
 */
function serverMessage(text: string): string {
  try {
    const j = JSON.parse(text) as { errors?: Array<{ message?: unknown }>; details?: unknown; error_description?: unknown; error?: unknown; message?: unknown };
    const candidates = [j.errors?.[0]?.message, j.details, j.error_description, j.message, j.error];
    const found = candidates.find((c): c is string => typeof c === 'string' && c.trim() !== '');
    if (found) return oneLine(found);
  } catch {
    // not JSON: fall through to the text
  }
  return /^\s*</.test(text) ? '' : oneLine(text); // an HTML error page says nothing useful
}

function oneLine(s: string): string {
  return (s.trim().split('\n')[0] ?? '').slice(0, 200);
}

/** A server could echo what it was sent; a secret never reaches a message. */
function redact(message: string, secret: string | undefined): string {
  return secret ? message.split(secret).join('***') : message;
}
