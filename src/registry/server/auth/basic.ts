import type { AccessRules } from './access.js';
import { AuthError, quoteParam } from './errors.js';
import type { HtpasswdFile } from './htpasswd.js';
import { parseBasic } from './authorization.js';
import { ANONYMOUS, type AccessController, type AuthRequest, type Grant, type Identity } from './types.js';

export interface BasicAccessControllerOptions {
  realm: string;
  users: HtpasswdFile;
  rules: AccessRules;
}

/**
 * distribution's `auth.htpasswd`: HTTP Basic on every request. A caller without credentials,
 * or with wrong ones, gets 401 and `WWW-Authenticate: Basic realm="…"` (unless the rules let
 * anonymous callers do what the request needs); a user whose credentials are right but whose
 * rules do not allow the request gets 403 DENIED, since logging in again cannot help.
 */
export class BasicAccessController implements AccessController {
  private readonly challenge: string;

  constructor(private readonly options: BasicAccessControllerOptions) {
    this.challenge = `Basic realm=${quoteParam(options.realm)}`;
  }

  async authorize(request: AuthRequest): Promise<Grant> {
    let identity: Identity = ANONYMOUS;
    if (request.authorization !== undefined) {
      const credentials = parseBasic(request.authorization);
      if (!credentials || !(await this.options.users.verify(credentials.user, credentials.password))) {
        throw new AuthError('UNAUTHORIZED', 'invalid username or password', this.challenge, request.required);
      }
      identity = { kind: 'user', name: credentials.user };
    }
    const { rules } = this.options;
    const allowed = request.required.every((need) => need.actions.every((action) => rules.allows(identity, need.type, need.name, action)));
    // `/v2/` (nothing required) answers authenticated callers only, as distribution's does.
    if (identity.kind === 'anonymous' && (!allowed || request.required.length === 0)) {
      throw new AuthError('UNAUTHORIZED', 'authentication required', this.challenge, request.required);
    }
    if (!allowed) throw new AuthError('DENIED', 'requested access to the resource is denied', undefined, request.required);
    return {
      identity,
      allows: (type, name, action) => rules.allows(identity, type, name, action),
      lists: (repository) => rules.allows(identity, 'repository', repository, 'pull'),
    };
  }
}
