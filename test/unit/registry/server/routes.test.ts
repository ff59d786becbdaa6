import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseUrl } from '../../../../src/registry/server/routes.js';

const D = `sha256:${'a'.repeat(64)}`;

describe('parseUrl', () => {
  const cases: Array<[string, unknown]> = [
    ['/v2/', { kind: 'base' }],
    ['/v2', { kind: 'base' }],
    ['/v2/_catalog?n=10', { kind: 'catalog' }],
    ['/v2/alpine/tags/list', { kind: 'tags', name: 'alpine' }],
    ['/v2/a/b/c/tags/list?n=1&last=x', { kind: 'tags', name: 'a/b/c' }],
    ['/v2/library/alpine/manifests/latest', { kind: 'manifest', name: 'library/alpine', reference: 'latest' }],
    [`/v2/x/manifests/${D}`, { kind: 'manifest', name: 'x', reference: D }],
    [`/v2/x/blobs/${D}`, { kind: 'blob', name: 'x', digest: D }],
    ['/v2/x/y/blobs/uploads/', { kind: 'uploads', name: 'x/y' }],
    ['/v2/x/y/blobs/uploads', { kind: 'uploads', name: 'x/y' }],
    ['/v2/x/blobs/uploads/1234?digest=z', { kind: 'upload', name: 'x', uuid: '1234' }],
    [`/v2/x/referrers/${D}?artifactType=a/b`, { kind: 'referrers', name: 'x', digest: D }],
    // Names that contain route words are matched from the end.
    ['/v2/blobs/tags/list', { kind: 'tags', name: 'blobs' }],
    ['/v2/a/manifests/manifests/latest', { kind: 'manifest', name: 'a/manifests', reference: 'latest' }],
    [`/v2/a/blobs/uploads/blobs/${D}`, { kind: 'blob', name: 'a/blobs/uploads', digest: D }],
  ];
  for (const [url, route] of cases) {
    it(`routes ${url}`, () => assert.deepEqual(parseUrl(url)?.route, route));
  }

  it('returns undefined outside the API', () => {
    assert.equal(parseUrl('/v1/x'), undefined);
    assert.equal(parseUrl('/v2x/a'), undefined);
    assert.equal(parseUrl('/v2/a/b'), undefined);
    assert.equal(parseUrl('/v2/tags/list'), undefined);
  });

  it('refuses an encoded slash, backslash or control character outright', () => {
    for (const url of ['/v2/foo%2Fbar/tags/list', '/v2/a%2F..%2Fb/tags/list', '/v2/a%5Cb/tags/list', '/v2/a%00/tags/list', `/v2/x/manifests/a%2Fb`]) {
      assert.throws(() => parseUrl(url), { code: 'NAME_INVALID' }, url);
    }
  });

  it('decodes other escapes, leaving validation to the name and reference checks', () => {
    assert.deepEqual(parseUrl('/v2/a/%2e%2e/tags/list')?.route, { kind: 'tags', name: 'a/..' });
    assert.deepEqual(parseUrl(`/v2/x/blobs/sha256%3A${'a'.repeat(64)}`)?.route, { kind: 'blob', name: 'x', digest: D });
  });

  it('refuses malformed percent-encoding with NAME_INVALID', () => {
    assert.throws(() => parseUrl('/v2/a%zz/tags/list'), { code: 'NAME_INVALID' });
  });

  it('parses repeated query parameters', () => {
    assert.deepEqual(parseUrl(`/v2/x/manifests/${D}?tag=a&tag=b`)?.query.getAll('tag'), ['a', 'b']);
  });
});
