import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { paginate } from '../../../../src/registry/server/pagination.js';

const all = ['a', 'b', 'c', 'd', 'e'];
const page = (query: string, max = 1000) => paginate(all, new URLSearchParams(query), '/v2/x/tags/list', max);

describe('paginate', () => {
  it('returns everything without n', () => assert.deepEqual(page(''), { items: all }));
  it('pages with n and links to the rest', () => {
    assert.deepEqual(page('n=2'), { items: ['a', 'b'], link: '</v2/x/tags/list?last=b&n=2>; rel="next"' });
    assert.deepEqual(page('n=2&last=b'), { items: ['c', 'd'], link: '</v2/x/tags/list?last=d&n=2>; rel="next"' });
    assert.deepEqual(page('n=2&last=d'), { items: ['e'] });
  });
  it('starts strictly after last, even when last is not in the list', () => {
    assert.deepEqual(page('last=bb'), { items: ['c', 'd', 'e'] });
    assert.deepEqual(page('last=z'), { items: [] });
  });
  it('gives an empty page and no link for n=0', () => assert.deepEqual(page('n=0'), { items: [] }));
  it('clamps n to the maximum and links onwards', () => {
    assert.deepEqual(page('n=100', 3), { items: ['a', 'b', 'c'], link: '</v2/x/tags/list?last=c&n=3>; rel="next"' });
  });
  it('refuses a bad n with PAGINATION_NUMBER_INVALID', () => {
    for (const n of ['-1', 'x', '1.5', '9999999999']) {
      assert.throws(() => page(`n=${n}`), { code: 'PAGINATION_NUMBER_INVALID' }, n);
    }
  });
});
