/** Who has `registry:admin:*` (the admin API): access.ts's rules, and what the token issuer grants. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AccessRuleSchema, AccessRules } from '../../../../../src/registry/server/auth/access.js';
import { requiredAccess } from '../../../../../src/registry/server/auth/required.js';
import type { Identity } from '../../../../../src/registry/server/auth/types.js';

const user = (name: string): Identity => ({ kind: 'user', name });
const anonymous: Identity = { kind: 'anonymous' };
const ADMIN = [{ type: 'registry', name: 'admin', actions: ['*'] }];

describe('the admin scope', () => {
  it('is what /admin/* needs, whatever the method', () => {
    for (const method of ['GET', 'POST', 'DELETE']) {
      assert.deepEqual(requiredAccess(method, '/admin/gc').required, ADMIN);
      assert.deepEqual(requiredAccess(method, '/admin/usage?repository=a').required, ADMIN);
    }
    assert.deepEqual(requiredAccess('GET', '/v2/admin/manifests/x').required, [{ type: 'repository', name: 'admin', actions: ['pull'] }]);
  });

  it('belongs to every user under the default policy, never to anonymous callers', () => {
    const rules = new AccessRules();
    assert.equal(rules.allows(user('anyone'), 'registry', 'admin', '*'), true);
    assert.equal(rules.allows(anonymous, 'registry', 'admin', '*'), false);
    assert.deepEqual(rules.grant(user('anyone'), ADMIN), ADMIN);
    assert.deepEqual(rules.grant(anonymous, ADMIN), []);
  });

  it('with rules, belongs only to the identities of an admin: true rule (users, groups, any user)', () => {
    const rules = new AccessRules(
      [
        AccessRuleSchema.parse({ users: ['root'], repositories: ['**'], actions: ['*'] }),
        AccessRuleSchema.parse({ anonymous: true, repositories: ['public/**'], actions: ['pull'] }),
        AccessRuleSchema.parse({ users: ['ops'], admin: true }),
        AccessRuleSchema.parse({ groups: ['sre'], repositories: ['infra/*'], actions: ['pull'], admin: true }),
      ],
      { sre: ['carol'] },
    );
    assert.equal(rules.allows(user('root'), 'registry', 'admin', '*'), false, 'every repository action is not admin');
    assert.equal(rules.allows(user('ops'), 'registry', 'admin', '*'), true);
    assert.equal(rules.allows(user('carol'), 'registry', 'admin', '*'), true);
    assert.equal(rules.allows(anonymous, 'registry', 'admin', '*'), false);
    assert.equal(rules.allows(user('ops'), 'registry', 'admin', 'pull'), false, 'only the * action');
    // A rule without repositories grants no repository action.
    assert.deepEqual([...rules.repositoryActions(user('ops'), 'infra/x')], []);
    assert.deepEqual([...rules.repositoryActions(user('carol'), 'infra/x')], ['pull']);
    assert.deepEqual(rules.grant(user('ops'), [...ADMIN, { type: 'repository', name: 'a', actions: ['pull'] }]), ADMIN);
    assert.deepEqual(rules.grant(user('root'), ADMIN), []);
    const anyUser = new AccessRules([AccessRuleSchema.parse({ users: ['*'], admin: true })]);
    assert.equal(anyUser.allows(user('x'), 'registry', 'admin', '*'), true);
    assert.equal(anyUser.allows(anonymous, 'registry', 'admin', '*'), false);
  });

  it('refuses rules that would mean something else', () => {
    const bad: Array<[unknown, RegExp]> = [
      [{ anonymous: true, admin: true }, /anonymous/],
      [{ users: ['a'] }, /repositories and actions/],
      [{ users: ['a'], admin: false }, /repositories and actions/],
      [{ users: ['a'], repositories: ['**'], admin: true }, /together/],
      [{ users: ['a'], actions: ['pull'], admin: true }, /together/],
    ];
    for (const [rule, message] of bad) {
      const parsed = AccessRuleSchema.safeParse(rule);
      assert.equal(parsed.success, false, JSON.stringify(rule));
      assert.match(parsed.error?.issues.map((i) => i.message).join('; ') ?? '', message, JSON.stringify(rule));
    }
  });
});
