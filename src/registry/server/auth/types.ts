import type { FastifyInstance } from 'fastify';

/** The actions Stowage's access rules know for a repository (scope.md, "Resource Actions"). */
export type RepositoryAction = 'pull' | 'push' | 'delete';
export const REPOSITORY_ACTIONS: readonly RepositoryAction[] = ['pull', 'push', 'delete'];

/** scope.md: a typed, named resource and actions on it; also a JWT `access` entry (jwt.md). */
export interface ResourceActions {
  type: string;
  name: string;
  actions: string[];
}

/** Who is asking: nobody in particular, or a user a credential or a token names. */
export type Identity = { kind: 'anonymous' } | { kind: 'user'; name: string };

export const ANONYMOUS: Identity = { kind: 'anonymous' };

/**
 * What an authorized request may do beyond the access its route required: handlers ask it
 * when the answer depends on more than the URL (the catalog's entries, a mount's source).
 */
export interface Grant {
  identity: Identity;
  /** Whether the caller may do `action` on the resource (e.g. pull a mount's source). */
  allows(type: string, name: string, action: string): boolean;
  /** Whether `/v2/_catalog` shows this repository to the caller. */
  lists(repository: string): boolean;
}

/** One request, reduced to what an access controller decides on. */
export interface AuthRequest {
  /** The Authorization header, if any. */
  authorization: string | undefined;
  /** Access the request needs; empty for "any authenticated caller" (`/v2/`). */
  required: ResourceActions[];
  /** Access named in a challenge but not required (a mount's source: without it, no mount). */
  optional: ResourceActions[];
  /** `scheme://host[:port]` of this server as origin.ts decides it (never the Host header), for a realm on this server. */
  origin: string;
}

/**
 * Authentication and authorization for the registry API. `authorize` returns the caller's
 * grant or throws an AuthError (401 with a challenge, or 403).
 */
export interface AccessController {
  authorize(request: AuthRequest): Promise<Grant>;
  /** Routes the controller serves itself, outside `/v2` (the built-in token issuer). */
  routes?(app: FastifyInstance): void;
}

/** A grant that allows everything: the server without access control. */
export const OPEN_GRANT: Grant = { identity: ANONYMOUS, allows: () => true, lists: () => true };
