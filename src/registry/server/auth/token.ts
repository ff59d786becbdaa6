import { errors as joseErrors, jwtVerify, type JWTPayload } from 'jose';
import type { AccessRules } from './access.js';
import { parseBearer } from './authorization.js';
import { AuthError, quoteParam } from './errors.js';
import type { TokenIssuer } from './issuer.js';
import type { TrustStore } from './keys.js';
import { formatScope, mergeAccess } from './scope.js';
import type { AccessController, AuthRequest, Grant, Identity, ResourceActions } from './types.js';

/** Asymmetric algorithms only: `none` and HMAC (a shared secret) are never accepted. */
export const ALGORITHMS = ['ES256', 'ES384', 'ES512', 'RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'EdDSA'];
/** distribution's leeway for `exp`/`nbf`: clocks of the issuer and the registry differ a little. */
const LEEWAY_SECONDS = 60;
/** The built-in issuer's path, the default realm. */
export const TOKEN_PATH = '/auth/token';

export interface VerifiedToken {
  subject: string;
  access: ResourceActions[];
}

export interface TokenVerifierOptions {
  issuer: string;
  /** The audience this registry answers to (`auth.token.service`). */
  service: string;
  trust: TrustStore;
  /** distribution's `auth.token.signingalgorithms`: a subset of ALGORITHMS (default: all of them). */
  algorithms?: string[];
  clock?: () => number;
}

/** jwt.md, "Verifying the token": signature by a trusted key, `iss`, `aud`, `nbf`/`exp`, then `access`. */
export class TokenVerifier {
  constructor(private readonly options: TokenVerifierOptions) {}

  /** The token's subject and access; throws an Error whose message says what was wrong. */
  async verify(token: string): Promise<VerifiedToken> {
    const clock = this.options.clock ?? Date.now;
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, (header) => this.options.trust.resolve(header), {
        issuer: this.options.issuer,
        audience: this.options.service,
        algorithms: this.options.algorithms ?? ALGORITHMS,
        clockTolerance: LEEWAY_SECONDS,
        requiredClaims: ['exp'],
        currentDate: new Date(clock()),
      }));
    } catch (err) {
      throw new Error(reason(err));
    }
    return { subject: typeof payload.sub === 'string' ? payload.sub : '', access: parseAccessClaim(payload.access) };
  }
}

/** jwt.md's `access` claim; malformed entries grant nothing. A resource class is ignored (scope.md). */
export function parseAccessClaim(claim: unknown): ResourceActions[] {
  if (!Array.isArray(claim)) return [];
  const out: ResourceActions[] = [];
  for (const entry of claim as Array<Record<string, unknown>>) {
    if (!entry || typeof entry.type !== 'string' || typeof entry.name !== 'string' || !Array.isArray(entry.actions)) continue;
    const type = entry.type.replace(/\(.*\)$/, '');
    out.push({ type, name: entry.name, actions: entry.actions.filter((a): a is string => typeof a === 'string') });
  }
  return out;
}

function reason(err: unknown): string {
  if (err instanceof joseErrors.JWTExpired) return 'token expired';
  if (err instanceof joseErrors.JWTClaimValidationFailed) {
    if (err.claim === 'iss') return 'token from an untrusted issuer';
    if (err.claim === 'aud') return 'token for another service';
    if (err.claim === 'nbf') return 'token not yet valid';
    return `token claim ${err.claim} invalid`;
  }
  if (err instanceof joseErrors.JWSSignatureVerificationFailed) return 'token signature invalid';
  if (err instanceof joseErrors.JOSEAlgNotAllowed) return 'token signing algorithm not accepted';
  if (err instanceof joseErrors.JOSEError) return `malformed token (${err.code})`;
  return err instanceof Error ? err.message : 'invalid token';
}

export interface BearerAccessControllerOptions {
  /** Where clients get tokens; default: this server's built-in issuer. */
  realm?: string;
  service: string;
  verifier: TokenVerifier;
  /** Used for the catalog: which repositories a token's subject sees. */
  rules: AccessRules;
  /** The built-in issuer, whose routes this controller serves. */
  issuer?: TokenIssuer;
}

/**
 * distribution's `auth.token`: the request carries a Bearer JWT whose `access` claim must
 * cover what the request needs. Without one, or with an invalid one, or with one lacking
 * access, the answer is 401 with a challenge naming realm, service and the needed scope
 * (token.md, "How to authenticate"; RFC 6750 §3.1 `invalid_token`/`insufficient_scope`),
 * so clients fetch a fitting token and retry, as they do with distribution.
 */
export class BearerAccessController implements AccessController {
  constructor(private readonly options: BearerAccessControllerOptions) {}

  async authorize(request: AuthRequest): Promise<Grant> {
    const token = parseBearer(request.authorization);
    if (token === undefined) throw this.challenge(request, 'authentication required');
    let verified: VerifiedToken;
    try {
      verified = await this.options.verifier.verify(token);
    } catch (err) {
      throw this.challenge(request, `invalid token: ${(err as Error).message}`, 'invalid_token');
    }
    const grant = tokenGrant(verified, this.options.rules);
    const covered = request.required.every((need) => need.actions.every((action) => grant.allows(need.type, need.name, action)));
    if (!covered) throw this.challenge(request, 'insufficient scope: the token does not grant this access', 'insufficient_scope');
    return grant;
  }

  routes(app: Parameters<NonNullable<AccessController['routes']>>[0]): void {
    this.options.issuer?.routes(app);
  }

  private challenge(request: AuthRequest, message: string, error?: string): AuthError {
    const realm = this.options.realm ?? `${request.origin}${TOKEN_PATH}`;
    const scopes = mergeAccess([...request.required, ...request.optional]).map(formatScope);
    let header = `Bearer realm=${quoteParam(realm)},service=${quoteParam(this.options.service)}`;
    if (scopes.length > 0) header += `,scope=${quoteParam(scopes.join(' '))}`;
    if (error) header += `,error=${quoteParam(error)}`;
    return new AuthError('UNAUTHORIZED', message, header, request.required);
  }
}

/**
 * A verified token's grant: its `access` entries, where `*` stands for every action (as in
 * distribution's actionSet). The catalog shows what the token's subject may pull under the
 * local rules, or what the token itself grants pull on.
 */
function tokenGrant(token: VerifiedToken, rules: AccessRules): Grant {
  const identity: Identity = token.subject === '' ? { kind: 'anonymous' } : { kind: 'user', name: token.subject };
  const allows = (type: string, name: string, action: string): boolean =>
    token.access.some((a) => a.type === type && a.name === name && (a.actions.includes(action) || a.actions.includes('*')));
  return {
    identity,
    allows,
    lists: (repository) => allows('repository', repository, 'pull') || rules.allows(identity, 'repository', repository, 'pull'),
  };
}
