import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AccessRuleSchema, AccessRules } from '../../../../../src/registry/server/auth/access.js';
import { compileGlob } from '../../../../../src/registry/server/auth/glob.js';
import type { Identity } from '../../../../../src/registry/server/auth/types.js';

const user = (name: string): Identity => ({ kind: 'user', name });
const anonymous: Identity = { kind: 'anonymous' };
const sorted = (s: Set<string>): string[] => [...s].sort();

describe('repository globs', () => {
  const cases: Array<[string, string, boolean]> = [
    ['team/app', 'team/app', true],
    ['team/app', 'team/app2', false],
    ['team/*', 'team/app', true],
    ['team/*', 'team/a/b', false],
    ['team/*', 'team', false],
    ['team/*', 'teams/app', false],
    ['team/**', 'team/app', true],
    ['team/**', 'team/a/b/c', true],
    ['team/**', 'team', false],
    ['**', 'a', true],
    ['**', 'a/b/c', true],
    ['*', 'a', true],
    ['*', 'a/b', false],
    ['*/app', 'x/app', true],
    ['*/app', 'x/y/app', false],
    ['a/**/z', 'a/b/c/z', true],
    ['lib-*', 'lib-x', true],
    ['a.b', 'axb', false],
  ];
  for (const [pattern, name, expected] of cases) {
    it(`${pattern} ${expected ? 'matches' : 'does not match'} ${name}`, () => assert.equal(compileGlob(pattern)(name), expected));
  }

  it('refuses patterns with other syntax', () => {
    for (const bad of ['team/?', 'Team/*', 'a/[bc]', '***', 'a b', '']) {
      assert.throws(() => compileGlob(bad), { code: 'CONFIG_INVALID' }, bad);
    }
  });
});

describe('access rules', () => {
  it('defaults to distribution htpasswd behaviour: users everything, anonymous nothing', () => {
    for (const rules of [new AccessRules(), new AccessRules([])]) {
      assert.deepEqual(sorted(rules.repositoryActions(user('x'), 'any/repo')), ['delete', 'pull', 'push']);
      assert.deepEqual(sorted(rules.repositoryActions(anonymous, 'any/repo')), []);
      assert.equal(rules.allows(user('x'), 'registry', 'catalog', '*'), true);
      assert.equal(rules.allows(anonymous, 'registry', 'catalog', '*'), false);
      assert.equal(rules.allows(user('x'), 'repository', 'r', '*'), true);
    }
  });

  const rules = new AccessRules(
    [
      { anonymous: true, repositories: ['public/**'], actions: ['pull'] },
      { users: ['*'], repositories: ['shared/*'], actions: ['pull'] },
      { groups: ['dev'], repositories: ['team/*'], actions: ['pull', 'push'] },
      { users: ['carol'], repositories: ['team/*'], actions: ['delete'] },
      { users: ['root'], repositories: ['**'], actions: ['*'] },
    ],
    { dev: ['alice', 'bob'], ops: ['carol'] },
  );

  it('unions the rules that match the caller and the repository', () => {
    assert.deepEqual(sorted(rules.repositoryActions(user('alice'), 'team/app')), ['pull', 'push']);
    assert.deepEqual(sorted(rules.repositoryActions(user('carol'), 'team/app')), ['delete']);
    assert.deepEqual(sorted(rules.repositoryActions(user('alice'), 'team/a/b')), []);
    assert.deepEqual(sorted(rules.repositoryActions(user('root'), 'x/y/z')), ['delete', 'pull', 'push']);
    assert.deepEqual(sorted(rules.repositoryActions(user('dave'), 'team/app')), []);
  });

  it('treats anonymous rules as public for everyone and users: ["*"] as any user', () => {
    assert.deepEqual(sorted(rules.repositoryActions(anonymous, 'public/a/b')), ['pull']);
    assert.deepEqual(sorted(rules.repositoryActions(user('dave'), 'public/a')), ['pull']);
    assert.deepEqual(sorted(rules.repositoryActions(anonymous, 'shared/x')), []);
    assert.deepEqual(sorted(rules.repositoryActions(user('dave'), 'shared/x')), ['pull']);
  });

  it('opens the catalog to anonymous callers only when some rule is anonymous', () => {
    assert.equal(rules.allows(anonymous, 'registry', 'catalog', '*'), true);
    const closed = new AccessRules([{ users: ['a'], repositories: ['**'], actions: ['pull'] }]);
    assert.equal(closed.allows(anonymous, 'registry', 'catalog', '*'), false);
    assert.equal(closed.allows(user('b'), 'registry', 'catalog', '*'), true);
    assert.equal(rules.allows(user('alice'), 'registry', 'other', '*'), false);
    assert.equal(rules.allows(user('root'), 'plugin', 'x', 'pull'), false);
  });

  it('grants the intersection of the request and the rules (token.md)', () => {
    const granted = rules.grant(user('alice'), [
      { type: 'repository', name: 'team/app', actions: ['pull', 'push', 'delete'] },
      { type: 'repository', name: 'other', actions: ['pull'] },
      { type: 'repository', name: 'public/x', actions: ['push', 'pull'] },
      { type: 'registry', name: 'catalog', actions: ['*'] },
    ]);
    assert.deepEqual(granted, [
      { type: 'repository', name: 'team/app', actions: ['pull', 'push'] },
      { type: 'repository', name: 'public/x', actions: ['pull'] },
      { type: 'registry', name: 'catalog', actions: ['*'] },
    ]);
    assert.deepEqual(rules.grant(user('root'), [{ type: 'repository', name: 'a', actions: ['*'] }]), [{ type: 'repository', name: 'a', actions: ['*'] }]);
    assert.deepEqual(rules.grant(user('alice'), [{ type: 'repository', name: 'team/a', actions: ['*'] }]), []);
  });

  it('refuses rules that name no one, an undefined group, or unknown actions', () => {
    assert.equal(AccessRuleSchema.safeParse({ repositories: ['a'], actions: ['pull'] }).success, false);
    assert.equal(AccessRuleSchema.safeParse({ users: ['a'], repositories: ['a'], actions: ['read'] }).success, false);
    assert.equal(AccessRuleSchema.safeParse({ users: ['a'], repositories: [], actions: ['pull'] }).success, false);
    assert.equal(AccessRuleSchema.safeParse({ users: ['a'], repositories: ['a'], actions: ['pull'], extra: 1 }).success, false);
    assert.equal(AccessRuleSchema.safeParse({ anonymous: true, repositories: ['a'], actions: ['pull'] }).success, true);
    assert.throws(() => new AccessRules([{ groups: ['nope'], repositories: ['a'], actions: ['pull'] }]), /group "nope"/);
  });
});
