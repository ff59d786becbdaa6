import { z } from 'zod';
import { StowageError } from '../../../errors/error.js';
import { compileGlob } from './glob.js';
import { REPOSITORY_ACTIONS, type Identity, type RepositoryAction, type ResourceActions } from './types.js';

/**
 * Stowage's own `access:` section: who may do what on which repositories. Rules only grant;
 * a caller's actions on a repository are the union of the rules that match both.
 *
 *   access:
 *     - anonymous: true            # everyone, logged in or not
 *       repositories: [public/**]
 *       actions: [pull]
 *     - groups: [dev]
 *       repositories: [team/*]
 *       actions: [pull, push]
 *     - users: [root]
 *       repositories: ['**']
 *       actions: ['*']
 *     - users: [ops]
 *       admin: true                # the admin API: POST /admin/gc, GET /admin/usage
 *   groups:
 *     dev: [alice, bob]
 *
 * `users: ['*']` is any authenticated user. Without any rule, the default is distribution's
 * htpasswd behaviour: every authenticated user may do everything (the admin API included),
 * anonymous callers nothing.
 *
 * `admin: true` gives the rule's users and groups the admin API (`registry:admin:*`): garbage
 * collection deletes content of every repository, so it is a right of its own, not implied by
 * any repository action. Such a rule may leave out `repositories` and `actions` (then it grants
 * nothing else); it cannot be `anonymous: true`: anonymous callers are never admins.
 */
export const AccessRuleSchema = z
  .strictObject({
    users: z.array(z.string().min(1)).optional(),
    groups: z.array(z.string().min(1)).optional(),
    anonymous: z.boolean().optional(),
    repositories: z.array(z.string().min(1)).min(1).optional(),
    actions: z
      .array(z.enum(['pull', 'push', 'delete', '*']))
      .min(1)
      .optional(),
    admin: z.boolean().optional(),
  })
  .refine((rule) => rule.anonymous === true || (rule.users?.length ?? 0) > 0 || (rule.groups?.length ?? 0) > 0, {
    message: 'a rule names users, groups or anonymous: true',
  })
  .refine((rule) => (rule.repositories === undefined) === (rule.actions === undefined), {
    message: 'a rule gives repositories and actions together',
  })
  .refine((rule) => rule.repositories !== undefined || rule.admin === true, {
    message: 'a rule gives repositories and actions (or admin: true)',
  })
  .refine((rule) => !(rule.admin === true && rule.anonymous === true), {
    message: 'admin: true cannot be given to anonymous callers',
  });
export type AccessRule = z.infer<typeof AccessRuleSchema>;

export const GroupsSchema = z.record(z.string().min(1), z.array(z.string().min(1)));
export type Groups = z.infer<typeof GroupsSchema>;

interface CompiledRule {
  matchesIdentity(identity: Identity): boolean;
  matchesRepository(name: string): boolean;
  actions: Set<RepositoryAction>;
  anonymous: boolean;
  admin: boolean;
}

export class AccessRules {
  private readonly rules: CompiledRule[] | undefined;

  /** `rules` absent or empty: the default policy (authenticated users everything, anonymous nothing). */
  constructor(rules?: AccessRule[], groups: Groups = {}) {
    this.rules = rules && rules.length > 0 ? rules.map((rule) => compileRule(rule, groups)) : undefined;
  }

  /** The repository actions the identity has on `name`. */
  repositoryActions(identity: Identity, name: string): Set<RepositoryAction> {
    if (!this.rules) return new Set(identity.kind === 'user' ? REPOSITORY_ACTIONS : []);
    const actions = new Set<RepositoryAction>();
    for (const rule of this.rules) {
      if (rule.matchesIdentity(identity) && rule.matchesRepository(name)) for (const a of rule.actions) actions.add(a);
    }
    return actions;
  }

  /**
   * Whether the identity may do `action` on a resource. `registry:catalog:*` (the catalog,
   * filtered per caller) is open to every user, and to anonymous callers when some rule lets
   * them pull anything; `registry:admin:*` to admins (isAdmin). Other resource types are refused.
   */
  allows(identity: Identity, type: string, name: string, action: string): boolean {
    if (type === 'repository') {
      const actions = this.repositoryActions(identity, name);
      return action === '*' ? actions.size === REPOSITORY_ACTIONS.length : actions.has(action as RepositoryAction);
    }
    if (type === 'registry' && name === 'catalog' && action === '*') {
      return identity.kind === 'user' || (this.rules?.some((rule) => rule.anonymous) ?? false);
    }
    if (type === 'registry' && name === 'admin' && action === '*') return this.isAdmin(identity);
    return false;
  }

  /** The admin API: any user under the default policy, else users of an `admin: true` rule; never anonymous. */
  isAdmin(identity: Identity): boolean {
    if (identity.kind !== 'user') return false;
    return this.rules ? this.rules.some((rule) => rule.admin && rule.matchesIdentity(identity)) : true;
  }

  /**
   * token.md: the access placed in a token is the intersection of what was asked and what
   * the identity has. Resources with nothing granted are left out.
   */
  grant(identity: Identity, requested: ResourceActions[]): ResourceActions[] {
    const granted: ResourceActions[] = [];
    for (const { type, name, actions } of requested) {
      const allowed = actions.filter((action) => this.allows(identity, type, name, action));
      if (allowed.length > 0) granted.push({ type, name, actions: allowed });
    }
    return granted;
  }
}

function compileRule(rule: AccessRule, groups: Groups): CompiledRule {
  for (const group of rule.groups ?? []) {
    if (!Object.hasOwn(groups, group)) throw new StowageError('CONFIG_INVALID', `access rule names group "${group}", which the groups section does not define`);
  }
  const users = new Set(rule.users ?? []);
  for (const group of rule.groups ?? []) for (const user of groups[group] ?? []) users.add(user);
  const anyUser = users.has('*');
  const anonymous = rule.anonymous === true;
  const patterns = (rule.repositories ?? []).map(compileGlob);
  const given = rule.actions ?? [];
  const actions = new Set<RepositoryAction>(given.includes('*') ? REPOSITORY_ACTIONS : (given as RepositoryAction[]));
  return {
    // `anonymous: true` makes a repository public: logged-in callers may do what anonymous ones may.
    matchesIdentity: (identity) => anonymous || (identity.kind === 'user' && (anyUser || users.has(identity.name))),
    matchesRepository: (name) => patterns.some((match) => match(name)),
    actions,
    anonymous,
    admin: rule.admin === true,
  };
}
