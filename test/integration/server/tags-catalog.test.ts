/**
 * Tag listing (spec: "Listing Tags", end-8a/8b) and the catalog (docker/api.md "Listing
 * Repositories", "Pagination"), including `n`, `last` and `Link: <...>; rel="next"`.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startRegistry, type TestRegistry } from '../../support/registry.js';
import type { HttpClient } from '../../support/http.js';
import { assertError, assertStatus, buildImage, mediaTypeOf, nextLink, pushImage, pushManifest, randomRepo, newClient } from '../../support/registry-images.js';

let reg: TestRegistry;
let cat: TestRegistry;
let c: HttpClient;
let cc: HttpClient;

// ASCII order: digits < uppercase < '_' < lowercase (Go's sort.Strings / JS default sort).
const TAGS = ['latest', 'v1.0', 'V2', '1.0', 'a_b', 'A-z', 'zeta', '0', '_x', 'v1.0-rc.1', 'a', 'aa', 'a.b'];
const SORTED = [...TAGS].sort();

let tagRepo: string;

before(async () => {
  reg = await startRegistry();
  cat = await startRegistry();
  c = newClient(reg.url);
  cc = newClient(cat.url);
  tagRepo = randomRepo('tags');
  const img = await buildImage(c, tagRepo);
  for (const t of TAGS) await pushManifest(c, tagRepo, img, t);
});

after(async () => {
  await c?.close();
  await cc?.close();
  await reg?.close();
  await cat?.close();
});

interface TagList {
  name: string;
  tags: string[] | null;
}

function assertLink(link: string | undefined, path: string, last: string, n: number): string {
  assert.ok(link, `expected a Link header (next after ${last})`);
  const u = new URL(link, 'http://placeholder.invalid');
  assert.equal(u.pathname, path, `Link path: ${link}`);
  assert.equal(u.searchParams.get('last'), last, `Link last: ${link}`);
  assert.equal(u.searchParams.get('n'), String(n), `Link n: ${link}`);
  return link;
}

describe('GET /v2/<name>/tags/list', () => {
  test('-> 200 {name, tags} in ASCII order', async () => {
    const res = await c.get(`/v2/${tagRepo}/tags/list`);
    assertStatus(res, 200);
    assert.equal(mediaTypeOf(res.header('content-type')), 'application/json');
    assert.deepEqual(res.json(), { name: tagRepo, tags: SORTED });
    assert.equal(res.header('link'), undefined);
  });

  test('nested repository name', async () => {
    const repo = `${randomRepo('org')}/a/b`;
    await pushImage(c, repo, 'x');
    await pushImage(c, repo, 'y');
    const res = await c.get(`/v2/${repo}/tags/list`);
    assertStatus(res, 200);
    assert.deepEqual(res.json(), { name: repo, tags: ['x', 'y'] });
  });

  test('unknown repository -> 404 NAME_UNKNOWN', async () => {
    assertError(await c.get(`/v2/${randomRepo('ghost')}/tags/list`), 404, 'NAME_UNKNOWN');
  });

  test('a manifest pushed by digest only does not add a tag', async () => {
    const repo = randomRepo('untagged');
    await pushImage(c, repo, 'only');
    await pushImage(c, repo);
    const res = await c.get(`/v2/${repo}/tags/list`);
    assert.deepEqual(res.json<TagList>().tags, ['only']);
  });

  test('n=3 pages through everything following Link; no Link on the last page', async () => {
    const n = 3;
    let url: string | undefined = `/v2/${tagRepo}/tags/list?n=${n}`;
    const seen: string[] = [];
    let pages = 0;
    while (url !== undefined) {
      const res = await c.get(url);
      assertStatus(res, 200);
      const body = res.json<TagList>();
      assert.equal(body.name, tagRepo);
      const tags = body.tags ?? [];
      pages++;
      const link = nextLink(res);
      if (seen.length + tags.length < SORTED.length) {
        assert.equal(tags.length, n, 'a page that is not the last must be full');
        assertLink(link, `/v2/${tagRepo}/tags/list`, tags[tags.length - 1] ?? '', n);
      } else {
        assert.equal(link, undefined, `no Link on the last page (page ${pages})`);
      }
      seen.push(...tags);
      url = link;
      assert.ok(pages <= SORTED.length, 'pagination does not end');
    }
    assert.deepEqual(seen, SORTED);
    assert.equal(pages, Math.ceil(SORTED.length / n));
  });

  test('a page that ends exactly at the last tag has no Link', async () => {
    const res = await c.get(`/v2/${tagRepo}/tags/list?n=${SORTED.length}`);
    assert.deepEqual(res.json<TagList>().tags, SORTED);
    assert.equal(res.header('link'), undefined);
    const tail = await c.get(`/v2/${tagRepo}/tags/list?n=2&last=${encodeURIComponent(SORTED[SORTED.length - 3] ?? '')}`);
    assert.deepEqual(tail.json<TagList>().tags, SORTED.slice(-2));
    assert.equal(tail.header('link'), undefined);
  });

  test('n larger than the number of tags -> all of them, no Link', async () => {
    const res = await c.get(`/v2/${tagRepo}/tags/list?n=1000`);
    assertStatus(res, 200);
    assert.deepEqual(res.json<TagList>().tags, SORTED);
    assert.equal(res.header('link'), undefined);
  });

  test('last alone -> the tags after it', async () => {
    const res = await c.get(`/v2/${tagRepo}/tags/list?last=a_b`);
    assertStatus(res, 200);
    assert.deepEqual(
      res.json<TagList>().tags,
      SORTED.filter((t) => t > 'a_b'),
    );
  });

  test('last and n -> up to n tags after last (last excluded)', async () => {
    const res = await c.get(`/v2/${tagRepo}/tags/list?n=2&last=V2`);
    assertStatus(res, 200);
    const expected = SORTED.filter((t) => t > 'V2').slice(0, 2);
    assert.deepEqual(res.json<TagList>().tags, expected);
    assertLink(nextLink(res), `/v2/${tagRepo}/tags/list`, expected[1] ?? '', 2);
  });

  test('last that is not a tag -> the tags sorting after it', async () => {
    const res = await c.get(`/v2/${tagRepo}/tags/list?last=b`);
    assert.deepEqual(
      res.json<TagList>().tags,
      SORTED.filter((t) => t > 'b'),
    );
  });

  test('last after every tag -> an empty list', async () => {
    const res = await c.get(`/v2/${tagRepo}/tags/list?last=zzz`);
    assertStatus(res, 200);
    assert.deepEqual(res.json<TagList>().tags ?? [], []);
    assert.equal(res.header('link'), undefined);
  });

  test('n=0 -> an empty list and no Link', async () => {
    const res = await c.get(`/v2/${tagRepo}/tags/list?n=0`);
    assertStatus(res, 200);
    const body = res.json<TagList>();
    assert.equal(body.name, tagRepo);
    assert.deepEqual(body.tags ?? [], []);
    assert.equal(res.header('link'), undefined);
  });

  test('invalid n -> 400 PAGINATION_NUMBER_INVALID', async () => {
    for (const n of ['-1', 'abc', '1.5']) {
      assertError(await c.get(`/v2/${tagRepo}/tags/list?n=${n}`), 400, 'PAGINATION_NUMBER_INVALID');
    }
  });
});

describe('GET /v2/_catalog', () => {
  // Names chosen so that plain string order and a depth-first walk of the storage tree agree
  // (distribution walks the tree, so it lists `a/b` before `a-b`; the contract says "sorted").
  const REPOS = ['alpha', 'beta/one', 'beta/two/three', 'gamma/x', 'zz-top', '0day', 'm_n/o__p/q-r'];
  const SORTED_REPOS = [...REPOS].sort();

  before(async () => {
    for (const r of [...REPOS].reverse()) await pushImage(cc, r, 'latest', { layers: 1 });
  });

  test('-> 200 {repositories} sorted, with nested names', async () => {
    const res = await cc.get('/v2/_catalog');
    assertStatus(res, 200);
    assert.equal(mediaTypeOf(res.header('content-type')), 'application/json');
    assert.deepEqual(res.json(), { repositories: SORTED_REPOS });
    assert.equal(res.header('link'), undefined);
  });

  test('n=3 pages through everything following Link; no Link on the last page', async () => {
    const n = 3;
    let url: string | undefined = `/v2/_catalog?n=${n}`;
    const seen: string[] = [];
    let pages = 0;
    while (url !== undefined) {
      const res = await cc.get(url);
      assertStatus(res, 200);
      const repos = res.json<{ repositories: string[] }>().repositories ?? [];
      pages++;
      const link = nextLink(res);
      if (seen.length + repos.length < SORTED_REPOS.length) {
        assert.equal(repos.length, n);
        assertLink(link, '/v2/_catalog', repos[repos.length - 1] ?? '', n);
      } else {
        assert.equal(link, undefined, 'no Link on the last page');
      }
      seen.push(...repos);
      url = link;
      assert.ok(pages <= SORTED_REPOS.length, 'pagination does not end');
    }
    assert.deepEqual(seen, SORTED_REPOS);
  });

  test('last and n', async () => {
    const res = await cc.get('/v2/_catalog?n=2&last=beta%2Fone');
    assertStatus(res, 200);
    const expected = SORTED_REPOS.filter((r) => r > 'beta/one').slice(0, 2);
    assert.deepEqual(res.json<{ repositories: string[] }>().repositories, expected);
    assertLink(nextLink(res), '/v2/_catalog', expected[1] ?? '', 2);
  });

  test('last alone', async () => {
    const res = await cc.get('/v2/_catalog?last=beta%2Ftwo%2Fthree');
    assertStatus(res, 200);
    assert.deepEqual(
      res.json<{ repositories: string[] }>().repositories,
      SORTED_REPOS.filter((r) => r > 'beta/two/three'),
    );
  });

  test('n=0 -> an empty list and no Link', async () => {
    const res = await cc.get('/v2/_catalog?n=0');
    assertStatus(res, 200);
    assert.deepEqual(res.json<{ repositories: string[] | null }>().repositories ?? [], []);
    assert.equal(res.header('link'), undefined);
  });

  test('invalid n -> 400 PAGINATION_NUMBER_INVALID', async () => {
    for (const n of ['-1', 'abc']) {
      assertError(await cc.get(`/v2/_catalog?n=${n}`), 400, 'PAGINATION_NUMBER_INVALID');
    }
  });

  test('an empty registry has an empty catalog', async () => {
    const empty = await startRegistry();
    const ce = newClient(empty.url);
    try {
      const res = await ce.get('/v2/_catalog');
      assertStatus(res, 200);
      assert.deepEqual(res.json<{ repositories: string[] | null }>().repositories ?? [], []);
    } finally {
      await ce.close();
      await empty.close();
    }
  });
});
