import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { requiredAccess } from '../../../../../src/registry/server/auth/required.js';
import { formatScope, mergeAccess, parseScope, parseScopeList } from '../../../../../src/registry/server/auth/scope.js';

describe('scopes (scope.md grammar)', () => {
  it('parses type, name and actions', () => {
    assert.deepEqual(parseScope('repository:samalba/my-app:pull,push'), { type: 'repository', name: 'samalba/my-app', actions: ['pull', 'push'] });
    assert.deepEqual(parseScope('registry:catalog:*'), { type: 'registry', name: 'catalog', actions: ['*'] });
    assert.deepEqual(parseScope('repository:a:pull,,pull'), { type: 'repository', name: 'a', actions: ['pull'] });
  });

  it('keeps a registry port inside the name', () => {
    assert.deepEqual(parseScope('repository:localhost:5000/team/app:pull'), { type: 'repository', name: 'localhost:5000/team/app', actions: ['pull'] });
  });

  it('drops a resource class (deprecated, scope.md)', () => {
    assert.deepEqual(parseScope('repository(plugin):a/b:pull'), { type: 'repository', name: 'a/b', actions: ['pull'] });
  });

  it('refuses malformed scopes', () => {
    for (const bad of [
      '',
      'repository',
      'repository:a',
      ':a:pull',
      'repository::pull',
      'Repo:a:pull',
      'repository:a:',
      'repository:a:PULL',
      'repository:a"b:pull',
      `repository:${'a'.repeat(600)}:pull`,
    ]) {
      assert.equal(parseScope(bad), undefined, bad);
    }
  });

  it('reads space-separated lists and merges entries per resource', () => {
    const list = parseScopeList('repository:a:pull  repository:b:push bogus repository:a:push');
    assert.equal(list.length, 3);
    assert.deepEqual(mergeAccess(list).map(formatScope), ['repository:a:pull,push', 'repository:b:push']);
  });
});

describe('access each API request needs', () => {
  const need = (method: string, url: string): string[] => requiredAccess(method, url).required.map(formatScope);
  const cases: Array<[string, string, string[]]> = [
    ['GET', '/v2/', []],
    ['GET', '/v2', []],
    ['GET', '/v2/_catalog?n=10', ['registry:catalog:*']],
    ['GET', '/v2/a/b/tags/list', ['repository:a/b:pull']],
    ['GET', '/v2/a/manifests/latest', ['repository:a:pull']],
    ['HEAD', '/v2/a/manifests/latest', ['repository:a:pull']],
    ['PUT', '/v2/a/manifests/latest', ['repository:a:pull,push']],
    ['DELETE', '/v2/a/manifests/sha256:abc', ['repository:a:delete']],
    ['GET', '/v2/a/blobs/sha256:abc', ['repository:a:pull']],
    ['DELETE', '/v2/a/blobs/sha256:abc', ['repository:a:delete']],
    ['POST', '/v2/a/blobs/uploads/', ['repository:a:pull,push']],
    ['PATCH', '/v2/a/blobs/uploads/u-1', ['repository:a:pull,push']],
    ['PUT', '/v2/a/blobs/uploads/u-1?digest=sha256:abc', ['repository:a:pull,push']],
    ['GET', '/v2/a/blobs/uploads/u-1', ['repository:a:pull']],
    ['DELETE', '/v2/a/blobs/uploads/u-1', ['repository:a:delete']],
    ['GET', '/v2/a/referrers/sha256:abc', ['repository:a:pull']],
    ['OPTIONS', '/v2/a/manifests/x', ['repository:a:pull,push']],
    ['GET', '/v2/nothing-here', []],
    ['GET', '/v2/a%2Fb/manifests/x', []],
  ];
  for (const [method, url, expected] of cases) {
    it(`${method} ${url} -> ${expected.join(' ') || 'authenticated only'}`, () => assert.deepEqual(need(method, url), expected));
  }

  it('names a mount source as optional pull', () => {
    const access = requiredAccess('POST', '/v2/dst/blobs/uploads/?mount=sha256:abc&from=src/repo');
    assert.deepEqual(access.required.map(formatScope), ['repository:dst:pull,push']);
    assert.deepEqual(access.optional.map(formatScope), ['repository:src/repo:pull']);
    assert.deepEqual(requiredAccess('POST', '/v2/dst/blobs/uploads/?from=src').optional, []);
  });
});
