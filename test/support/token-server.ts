/**
 * A real Stowage registry behind token auth, for the client's auth tests: an `onRequest` hook
 * enforces docker/auth/token.md's challenge flow (or Basic), and the same server hosts the
 * token endpoint at `/token` (GET with Basic per token.md, POST per oauth.md). Every user may
 * do everything; anonymous clients get pull when `anonymousPull` is set. Tokens are opaque
 * random strings held in memory with an expiry.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { parseUrl, type Route } from '../../src/registry/server/routes.js';
import { createRegistryServer } from '../../src/registry/server/server.js';
import { RegistryStore } from '../../src/registry/store/registry.js';
import { FilesystemDriver } from '../../src/storage/fs/driver.js';

export interface AuthRegistry {
  url: string;
  /** '127.0.0.1:PORT' */
  host: string;
  tokenRequests: Array<{ method: string; scopes: string[]; user?: string; grant?: string }>;
  close(): Promise<void>;
}

export interface AuthRegistryOptions {
  users: Record<string, string>;
  mode?: 'bearer' | 'basic';
  tokenTtlSeconds?: number;
  anonymousPull?: boolean;
  refreshTokens?: boolean;
}

export const TEST_SERVICE = 'stowage-test';

interface IssuedToken {
  user: string | undefined;
  atoms: Set<string>;
  expiresAt: number;
}

export async function startAuthRegistry(options: AuthRegistryOptions): Promise<AuthRegistry> {
  const mode = options.mode ?? 'bearer';
  const ttl = options.tokenTtlSeconds ?? 300;
  const root = await mkdtemp(join(tmpdir(), 'stowage-auth-registry-'));
  const app = createRegistryServer({ store: new RegistryStore({ driver: new FilesystemDriver(root) }) });
  const tokens = new Map<string, IssuedToken>();
  const refreshTokens = new Map<string, string>(); // refresh token -> user
  const tokenRequests: AuthRegistry['tokenRequests'] = [];
  let url = '';

  const checkPassword = (user: string, password: string): boolean => {
    const expected = Object.hasOwn(options.users, user) ? options.users[user]! : undefined;
    // Hashes have equal lengths, as timingSafeEqual needs; an unknown user costs the same.
    const ok = timingSafeEqual(sha256(password), sha256(expected ?? randomBytes(16).toString('hex')));
    return ok && expected !== undefined;
  };

  const basicUser = (request: FastifyRequest): { user: string | undefined; valid: boolean } => {
    const header = request.headers.authorization;
    if (!header) return { user: undefined, valid: true };
    const m = /^Basic\s+(\S+)$/i.exec(header);
    if (!m) return { user: undefined, valid: false };
    const decoded = Buffer.from(m[1]!, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon < 0) return { user: undefined, valid: false };
    const user = decoded.slice(0, colon);
    return { user, valid: checkPassword(user, decoded.slice(colon + 1)) };
  };

  /** token.md: the granted set is the requested set intersected with what the subject may do. */
  const issue = (user: string | undefined, scopes: string[]): { token: string; granted: string[] } => {
    const granted = scopes
      .flatMap(atomsOf)
      .filter((atom) => user !== undefined || (options.anonymousPull === true && atom.startsWith('repository:') && atom.endsWith(':pull')));
    const token = randomBytes(24).toString('base64url');
    tokens.set(token, { user, atoms: new Set(granted), expiresAt: Date.now() + ttl * 1000 });
    return { token, granted };
  };

  const unauthorized = (reply: FastifyReply, message: string, body?: string): FastifyReply =>
    reply
      .code(401)
      .header('content-type', 'application/json')
      .send(body ?? JSON.stringify({ errors: [{ code: 'UNAUTHORIZED', message }] }));

  app.get('/token', async (request, reply) => {
    const query = new URLSearchParams(request.url.split('?')[1] ?? '');
    const service = query.get('service');
    if (service !== null && service !== TEST_SERVICE) return reply.code(400).send({ errors: [{ code: 'DENIED', message: `unknown service ${service}` }] });
    const { user, valid } = basicUser(request);
    if (!valid) return unauthorized(reply, 'invalid username or password');
    const scopes = query.getAll('scope');
    tokenRequests.push({ method: 'GET', scopes, ...(user !== undefined ? { user } : {}) });
    const { token } = issue(user, scopes);
    return reply.send({ token, access_token: token, expires_in: ttl, issued_at: new Date().toISOString() });
  });

  app.post('/token', async (request, reply) => {
    const form = new URLSearchParams(await readBody(request));
    const grant = form.get('grant_type') ?? '';
    if (form.get('service') !== TEST_SERVICE) return reply.code(400).send({ error: 'invalid_request', error_description: 'service is required' });
    if (!form.get('client_id')) return reply.code(400).send({ error: 'invalid_request', error_description: 'client_id is required' });
    let user: string;
    let refresh: string | undefined;
    if (grant === 'password') {
      user = form.get('username') ?? '';
      if (!checkPassword(user, form.get('password') ?? '')) return unauthorized(reply, 'invalid username or password');
      if (options.refreshTokens) {
        refresh = randomBytes(24).toString('base64url');
        refreshTokens.set(refresh, user);
      }
    } else if (grant === 'refresh_token') {
      refresh = form.get('refresh_token') ?? '';
      const owner = refreshTokens.get(refresh);
      if (owner === undefined) return unauthorized(reply, 'invalid refresh token');
      user = owner;
    } else {
      return reply.code(400).send({ error: 'unsupported_grant_type', error_description: `grant_type ${grant.slice(0, 40)}` });
    }
    // oauth.md: POST takes one scope parameter holding a space-separated list.
    const scopes = (form.get('scope') ?? '').split(' ').filter((s) => s !== '');
    tokenRequests.push({ method: 'POST', scopes, user, grant });
    const { token, granted } = issue(user, scopes);
    return reply.send({
      access_token: token,
      scope: granted.join(' '),
      expires_in: ttl,
      issued_at: new Date().toISOString(),
      ...(refresh ? { refresh_token: refresh } : {}),
    });
  });

  app.addHook('onRequest', async (request, reply) => {
    if (request.url !== '/v2' && !request.url.startsWith('/v2/') && !request.url.startsWith('/v2?')) return;
    const needed = requiredScope(request.method, request.url);
    if (mode === 'basic') {
      const { user, valid } = basicUser(request);
      if (user !== undefined && valid) return;
      if (user === undefined && valid && options.anonymousPull && needed?.endsWith(':pull')) return;
      reply.header('www-authenticate', `Basic realm="${TEST_SERVICE}"`);
      return unauthorized(reply, user === undefined ? 'authentication required' : 'invalid username or password');
    }
    const header = request.headers.authorization;
    const presented = header && /^Bearer\s+(\S+)$/i.exec(header)?.[1];
    const issued = presented ? tokens.get(presented) : undefined;
    let error = '';
    if (presented && (!issued || issued.expiresAt <= Date.now())) error = 'invalid_token';
    else if (issued && needed && !issued.atoms.has(needed)) error = 'insufficient_scope';
    else if (issued) return;
    const scopeParam = needed ? `,scope="${needed}"` : '';
    const errorParam = error ? `,error="${error}"` : '';
    reply.header('www-authenticate', `Bearer realm="${url}/token",service="${TEST_SERVICE}"${scopeParam}${errorParam}`);
    return unauthorized(reply, error === 'insufficient_scope' ? 'insufficient scope' : 'authentication required');
  });

  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  if (!address || typeof address === 'string') throw new Error('registry did not bind a TCP port');
  const host = `127.0.0.1:${address.port}`;
  url = `http://${host}`;
  return {
    url,
    host,
    tokenRequests,
    close: async () => {
      await app.close();
      await rm(root, { recursive: true, force: true });
    },
  };
}

/**
 * The scope atom (`type:name:action`) a request needs: reads pull, writes push, DELETE delete,
 * the catalog `registry:catalog:*`; `/v2/` (and anything unroutable) needs only a valid token.
 */
function requiredScope(method: string, url: string): string | undefined {
  let route: Route | undefined;
  try {
    route = parseUrl(url)?.route;
  } catch {
    return undefined;
  }
  if (!route || route.kind === 'base') return undefined;
  if (route.kind === 'catalog') return 'registry:catalog:*';
  const action = method === 'GET' || method === 'HEAD' ? 'pull' : method === 'DELETE' ? 'delete' : 'push';
  return `repository:${route.name}:${action}`;
}

/** `type:name:a,b` -> atoms; the name may contain ':' (scope.md's note on ports). */
function atomsOf(scope: string): string[] {
  const first = scope.indexOf(':');
  const last = scope.lastIndexOf(':');
  if (first <= 0 || last === first) return [];
  return scope
    .slice(last + 1)
    .split(',')
    .filter((a) => a !== '')
    .map((a) => `${scope.slice(0, last)}:${a}`);
}

function sha256(s: string): Buffer {
  return createHash('sha256').update(s).digest();
}

async function readBody(request: FastifyRequest): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request.raw) {
    size += (chunk as Buffer).length;
    if (size > 64 * 1024) throw new Error('token request body too large');
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}
