import { StowageError } from '../../../errors/error.js';
import type { ResourceActions } from './types.js';

/**
 * An access refusal. UNAUTHORIZED carries the `WWW-Authenticate` challenge telling the client
 * how to authenticate (token.md, "How to authenticate"); DENIED (403) is for a caller whose
 * identity is known and who may not do this, where asking again cannot help.
 */
export class AuthError extends StowageError {
  readonly challenge: string | undefined;

  constructor(code: 'UNAUTHORIZED' | 'DENIED', message: string, challenge?: string, required: ResourceActions[] = []) {
    // token.md's example body: the access that was needed, one {Type, Name, Action} per action.
    const detail = required.flatMap((r) => r.actions.map((action) => ({ Type: r.type, Name: r.name, Action: action })));
    super(code, message, detail.length > 0 ? detail : undefined);
    this.name = 'AuthError';
    this.challenge = challenge;
  }
}

/**
 * One auth-param value of a challenge (RFC 7235 §2.1 quoted-string). Names come from the
 * request path: anything outside printable ASCII is dropped and quotes are escaped, so a
 * crafted path can neither break the header nor add parameters.
 */
export function quoteParam(value: string): string {
  return `"${value.replace(/[^\x20-\x7e]/g, '').replace(/["\\]/g, '\\$&')}"`;
}
