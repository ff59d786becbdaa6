import type { Challenge } from './challenge.js';
import type { Credential, CredentialStore } from './credentials.js';
import { TokenProvider, type TokenRequest } from './token.js';

export interface AuthenticatorOptions {
  credentials?: CredentialStore;
  tokens?: TokenProvider;
}

/** What answered a registry before: a token request (renewed as needed) or a Basic header. */
type Answer = { kind: 'bearer'; atoms: Set<string>; request: TokenRequest } | { kind: 'basic'; header: string };

/** Answers remembered per registry; old ones fall off so a long run over many repositories stays small. */
const MAX_ANSWERS_PER_REGISTRY = 64;
const MAX_HANDED_OUT = 1024;

/**
 * Answers a registry's 401 challenges (docker/auth/token.md, "How to authenticate") and
 * remembers what worked, so later requests send it up front and skip the 401 round trip.
 */
export class Authenticator {
  private readonly credentials: CredentialStore | undefined;
  private readonly tokens: TokenProvider;
  private readonly answers = new Map<string, Answer[]>();
  private readonly lookups = new Map<string, Promise<Credential | undefined>>();
  /** Headers handed out by cached(): if one comes back refused, it is stale, not merely unsent. */
  private readonly handedOut = new Set<string>();

  constructor(options: AuthenticatorOptions = {}) {
    this.credentials = options.credentials;
    this.tokens = options.tokens ?? new TokenProvider();
  }

  /**
   * After a 401: the Authorization header value to retry with, or undefined if no challenge
   * can be answered. `rejected` is the header the 401 answered, if the caller knows it.
   * Bearer is preferred to Basic, as docker does.
   */
  async respond(registry: string, challenges: Challenge[], scopes: string[], rejected?: string): Promise<string | undefined> {
    const bearer = challenges.find((c) => c.scheme === 'bearer' && c.params.realm);
    if (bearer) return this.respondBearer(registry, bearer, scopes, rejected);
    if (challenges.some((c) => c.scheme === 'basic')) {
      const credential = await this.credential(registry);
      if (!credential || !('password' in credential)) return undefined;
      const header = `Basic ${Buffer.from(`${credential.username}:${credential.password}`).toString('base64')}`;
      this.remember(registry, { kind: 'basic', header });
      return header;
    }
    return undefined;
  }

  /** A header known to work for (registry, scopes): any remembered token whose scopes cover them. */
  cached(registry: string, scopes: string[]): string | undefined {
    const wanted = atomsOf(scopes);
    for (const answer of this.answers.get(registry) ?? []) {
      let header: string | undefined;
      if (answer.kind === 'basic') header = answer.header;
      else if ([...wanted].every((a) => answer.atoms.has(a))) {
        const token = this.tokens.peek(answer.request);
        if (token !== undefined) header = `Bearer ${token}`;
      }
      if (header !== undefined) {
        this.handOut(header);
        return header;
      }
    }
    return undefined;
  }

  private async respondBearer(registry: string, challenge: Challenge, scopes: string[], rejected?: string): Promise<string> {
    // token.md: the token request uses the challenge's service and scope; the caller's own
    // scopes are added so one token serves e.g. pull and push of a push.
    const requested = mergeScopes([...(challenge.params.scope ?? '').split(' '), ...scopes]);
    const credential = await this.credential(registry);
    const request: TokenRequest = { realm: challenge.params.realm!, scopes: requested };
    if (challenge.params.service) request.service = challenge.params.service;
    if (credential) request.credential = credential;

    // RFC 6750 §3.1: invalid_token means the token we sent is expired or revoked, and a token
    // we handed out coming back refused means the same, whatever the server's clock says.
    const stale = (header: string): boolean => header === rejected || (rejected === undefined && this.handedOut.has(header));
    if (challenge.params.error === 'invalid_token') this.tokens.invalidate(request);
    let header = `Bearer ${await this.tokens.token(request)}`;
    if (stale(header)) {
      this.handedOut.delete(header);
      this.tokens.invalidate(request);
      header = `Bearer ${await this.tokens.token(request)}`;
    }
    this.remember(registry, { kind: 'bearer', atoms: atomsOf(requested), request });
    return header;
  }

  /** One credential lookup per registry: a helper is a process spawn, and 401s come in bursts. */
  private credential(registry: string): Promise<Credential | undefined> {
    if (!this.credentials) return Promise.resolve(undefined);
    let lookup = this.lookups.get(registry);
    if (!lookup) {
      lookup = this.credentials.get(registry);
      this.lookups.set(registry, lookup);
      lookup.catch(() => this.lookups.delete(registry)); // a failure is not remembered
    }
    return lookup;
  }

  private handOut(header: string): void {
    this.handedOut.add(header);
    // Oldest first (insertion order): those tokens have long been renewed.
    if (this.handedOut.size > MAX_HANDED_OUT) this.handedOut.delete(this.handedOut.values().next().value!);
  }

  private remember(registry: string, answer: Answer): void {
    const list = this.answers.get(registry) ?? [];
    const same = (a: Answer): boolean =>
      a.kind === answer.kind && (a.kind === 'basic' || (answer.kind === 'bearer' && a.kind === 'bearer' && sameSet(a.atoms, answer.atoms)));
    const rest = list.filter((a) => !same(a));
    this.answers.set(registry, [answer, ...rest].slice(0, MAX_ANSWERS_PER_REGISTRY));
  }
}

/** `repository:name:pull,push` (scope.md, "Resource Scope Grammar"). */
export function repositoryScope(name: string, actions: Array<'pull' | 'push' | 'delete' | '*'>): string {
  return `repository:${name}:${[...new Set(actions)].join(',')}`;
}

/**
 * Splits scopes into `type:name:action` atoms. The name may hold a `:` (a port, scope.md's
 * note), so the type ends at the first colon and the actions start after the last.
 */
function atomsOf(scopes: string[]): Set<string> {
  const atoms = new Set<string>();
  for (const scope of scopes) {
    const first = scope.indexOf(':');
    const last = scope.lastIndexOf(':');
    if (first <= 0 || last === first) continue;
    const resource = scope.slice(0, last);
    for (const action of scope.slice(last + 1).split(',')) if (action) atoms.add(`${resource}:${action}`);
  }
  return atoms;
}

/** The scopes as one entry per resource with sorted actions: a canonical list, so equal requests share a token. */
function mergeScopes(scopes: string[]): string[] {
  const byResource = new Map<string, Set<string>>();
  for (const atom of atomsOf(scopes.filter((s) => s !== ''))) {
    const last = atom.lastIndexOf(':');
    const resource = atom.slice(0, last);
    const actions = byResource.get(resource) ?? new Set<string>();
    actions.add(atom.slice(last + 1));
    byResource.set(resource, actions);
  }
  return [...byResource].map(([resource, actions]) => `${resource}:${[...actions].sort().join(',')}`).sort();
}

function sameSet(a: Set<string>, b: Set<string>): boolean {
  return a.size === b.size && [...a].every((x) => b.has(x));
}
