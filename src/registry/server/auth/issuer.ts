import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { SignJWT, jwtVerify } from 'jose';
import type { AccessRules } from './access.js';
import { parseBasic } from './authorization.js';
import { quoteParam } from './errors.js';
import type { HtpasswdFile } from './htpasswd.js';
import type { SigningKey } from './keys.js';
import { formatScope, mergeAccess, parseScopeList } from './scope.js';
import { TOKEN_PATH } from './token.js';
import { ANONYMOUS, type Identity, type ResourceActions } from './types.js';

/** token.md: "a token should never be returned with less than 60 seconds to live". */
export const MIN_EXPIRATION_SECONDS = 60;
const DEFAULT_REFRESH_EXPIRATION_SECONDS = 30 * 24 * 3600;
const MAX_FORM_BYTES = 16 * 1024;

export interface TokenIssuerOptions {
  /** `iss` of every token; the registry checks it. */
  issuer: string;
  /** `aud` of every token: the registry's `auth.token.service`. */
  service: string;
  key: SigningKey;
  users: HtpasswdFile;
  rules: AccessRules;
  expirationSeconds: number;
  refreshExpirationSeconds?: number;
  clock?: () => number;
}

export interface IssuedToken {
  token: string;
  expiresIn: number;
  issuedAt: Date;
  granted: ResourceActions[];
}

/**
 * A token server in the registry itself (token.md, oauth.md), so one `stowage serve` is a
 * whole Docker-Hub-style setup: users from an htpasswd file, access from the `access` rules,
 * tokens signed with the server's key. Refresh tokens are JWTs too, with their own audience
 * (so a registry never takes one as an access token) and a fingerprint of the user's
 * htpasswd entry (so a changed password or a removed user revokes them).
 */
export class TokenIssuer {
  private readonly clock: () => number;
  private readonly refreshAudience: string;

  constructor(private readonly options: TokenIssuerOptions) {
    this.clock = options.clock ?? Date.now;
    this.refreshAudience = `${options.service}#refresh`;
  }

  /** token.md: the token holds the intersection of what was asked and what the identity may do. */
  async issue(identity: Identity, requested: ResourceActions[]): Promise<IssuedToken> {
    const granted = this.options.rules.grant(identity, mergeAccess(requested));
    const now = Math.floor(this.clock() / 1000);
    const expiresIn = Math.max(this.options.expirationSeconds, MIN_EXPIRATION_SECONDS);
    // jwt.md, "Claim Set": iss, sub ("" when anonymous), aud, exp, nbf, iat, jti, access.
    const token = await new SignJWT({ access: granted })
      .setProtectedHeader({ alg: this.options.key.alg, typ: 'JWT', kid: this.options.key.kid })
      .setIssuer(this.options.issuer)
      .setSubject(identity.kind === 'user' ? identity.name : '')
      .setAudience(this.options.service)
      .setIssuedAt(now)
      .setNotBefore(now)
      .setExpirationTime(now + expiresIn)
      .setJti(randomBytes(16).toString('base64url'))
      .sign(this.options.key.privateKey);
    return { token, expiresIn, issuedAt: new Date(now * 1000), granted };
  }

  async refreshToken(user: string): Promise<string> {
    const fingerprint = await this.options.users.fingerprint(user);
    const now = Math.floor(this.clock() / 1000);
    return new SignJWT({ fp: fingerprint })
      .setProtectedHeader({ alg: this.options.key.alg, typ: 'JWT', kid: this.options.key.kid })
      .setIssuer(this.options.issuer)
      .setSubject(user)
      .setAudience(this.refreshAudience)
      .setIssuedAt(now)
      .setExpirationTime(now + (this.options.refreshExpirationSeconds ?? DEFAULT_REFRESH_EXPIRATION_SECONDS))
      .setJti(randomBytes(16).toString('base64url'))
      .sign(this.options.key.privateKey);
  }

  /** The user a refresh token was issued to, if it is ours, unexpired, and the user unchanged. */
  async redeem(refreshToken: string): Promise<string | undefined> {
    try {
      const { payload } = await jwtVerify(refreshToken, this.options.key.publicKey, {
        issuer: this.options.issuer,
        audience: this.refreshAudience,
        algorithms: [this.options.key.alg],
        requiredClaims: ['exp', 'sub'],
        currentDate: new Date(this.clock()),
      });
      const user = payload.sub!;
      const fingerprint = await this.options.users.fingerprint(user);
      if (fingerprint === undefined || typeof payload.fp !== 'string') return undefined;
      // Not a bcrypt check, so compared in constant time (equal lengths: both are 16 characters).
      const [a, b] = [Buffer.from(fingerprint), Buffer.from(payload.fp)];
      return a.length === b.length && timingSafeEqual(a, b) ? user : undefined;
    } catch {
      return undefined;
    }
  }

  routes(app: FastifyInstance): void {
    app.get(TOKEN_PATH, (request, reply) => this.get(request, reply));
    app.post(TOKEN_PATH, (request, reply) => this.post(request, reply));
  }

  /** token.md, "Requesting a Token": Basic credentials or none, one `scope` parameter per scope. */
  private async get(request: FastifyRequest, reply: FastifyReply): Promise<void> {
    const query = new URLSearchParams(request.url.split('?')[1] ?? '');
    const service = query.get('service');
    if (service !== null && service !== this.options.service) return this.fail(reply, 400, 'invalid_request', `unknown service ${service.slice(0, 100)}`);
    let identity: Identity = ANONYMOUS;
    const header = request.headers.authorization;
    if (header !== undefined) {
      const credentials = parseBasic(header);
      if (!credentials || !(await this.options.users.verify(credentials.user, credentials.password))) {
        // token.md: a failed authentication attempt is 401, not an anonymous token.
        reply.header('WWW-Authenticate', `Basic realm=${quoteParam(this.options.service)}`);
        return this.fail(reply, 401, 'invalid_grant', 'invalid username or password');
      }
      identity = { kind: 'user', name: credentials.user };
    }
    const issued = await this.issue(identity, query.getAll('scope').flatMap(parseScopeList));
    const body: Record<string, unknown> = tokenBody(issued);
    if (identity.kind === 'user' && query.get('offline_token') === 'true') body.refresh_token = await this.refreshToken(identity.name);
    return this.send(reply, body);
  }

  /** oauth.md, "Getting a token": grant_type password or refresh_token; one space-separated scope. */
  private async post(request: FastifyRequest, reply: FastifyReply): Promise<void> {
    let form: URLSearchParams;
    try {
      form = new URLSearchParams(await readForm(request));
    } catch (err) {
      return this.fail(reply, 400, 'invalid_request', (err as Error).message);
    }
    const service = form.get('service');
    if (service === null || service === '') return this.fail(reply, 400, 'invalid_request', 'service is required');
    if (service !== this.options.service) return this.fail(reply, 400, 'invalid_request', `unknown service ${service.slice(0, 100)}`);
    if (!form.get('client_id')) return this.fail(reply, 400, 'invalid_request', 'client_id is required');
    const grantType = form.get('grant_type') ?? '';
    let user: string;
    let refreshToken: string | undefined;
    if (grantType === 'password') {
      user = form.get('username') ?? '';
      if (!(await this.options.users.verify(user, form.get('password') ?? ''))) return this.fail(reply, 401, 'invalid_grant', 'invalid username or password');
      if (form.get('access_type') === 'offline') refreshToken = await this.refreshToken(user);
    } else if (grantType === 'refresh_token') {
      const presented = form.get('refresh_token') ?? '';
      const owner = await this.redeem(presented);
      if (owner === undefined) return this.fail(reply, 401, 'invalid_grant', 'invalid or expired refresh token');
      user = owner;
      // oauth.md: with grant_type refresh_token, the same refresh token comes back.
      refreshToken = presented;
    } else {
      return this.fail(reply, 400, 'unsupported_grant_type', `grant_type ${grantType.slice(0, 40)} is not supported`);
    }
    const issued = await this.issue({ kind: 'user', name: user }, parseScopeList(form.get('scope') ?? ''));
    // oauth.md: `scope` is required in the response, the granted scope.
    const body = { ...tokenBody(issued), scope: issued.granted.map(formatScope).join(' '), ...(refreshToken ? { refresh_token: refreshToken } : {}) };
    return this.send(reply, body);
  }

  private send(reply: FastifyReply, body: object): void {
    // RFC 6749 §5.1: token responses are not cached.
    reply.code(200).header('Content-Type', 'application/json').header('Cache-Control', 'no-store').header('Pragma', 'no-cache').send(JSON.stringify(body));
  }

  /** Both shapes a client may read: the registry's `errors` and OAuth's `error` (RFC 6749 §5.2). */
  private fail(reply: FastifyReply, status: 400 | 401, error: string, description: string): void {
    const code = status === 401 ? 'UNAUTHORIZED' : 'DENIED';
    reply
      .code(status)
      .header('Content-Type', 'application/json')
      .header('Cache-Control', 'no-store')
      .send(JSON.stringify({ errors: [{ code, message: description }], error, error_description: description }));
  }
}

/** token.md, "Token Response Fields": `token` and `access_token` both, for old and OAuth clients. */
function tokenBody(issued: IssuedToken): Record<string, unknown> {
  return { token: issued.token, access_token: issued.token, expires_in: issued.expiresIn, issued_at: issued.issuedAt.toISOString() };
}

async function readForm(request: FastifyRequest): Promise<string> {
  const type = String(request.headers['content-type'] ?? '')
    .split(';')[0]
    ?.trim()
    .toLowerCase();
  if (type !== 'application/x-www-form-urlencoded') throw new Error('expected an application/x-www-form-urlencoded body');
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request.raw as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_FORM_BYTES) throw new Error('token request body too large');
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}
