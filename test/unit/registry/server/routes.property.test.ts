/**
 * The route parser against hostile URLs: it throws nothing but StowageError, and any repository
 * name it hands out is either refused by checkRepositoryName (NAME_INVALID) or yields only
 * storage paths, for every path function in store/paths.ts, that the drivers accept and that
 * stay inside that repository's own directory.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { Digest } from '../../../../src/digest/digest.js';
import { StowageError } from '../../../../src/errors/error.js';
import { checkRepositoryName, isValidTag } from '../../../../src/reference/reference.js';
import { parseUrl, type ParsedUrl, type Route } from '../../../../src/registry/server/routes.js';
import * as paths from '../../../../src/registry/store/paths.js';
import { checkPath } from '../../../../src/storage/path.js';
import { QUERY_POOL, SEGMENT_POOL, SHA256, SHA512 } from '../../../support/adversarial.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const DIGESTS = [Digest.parse(SHA256), Digest.parse(SHA512)];
const SAMPLE_UUID = '0b3d4a1e-6a5f-4e4b-9c2a-1f2e3d4c5b6a';

function tryParse(url: string): ParsedUrl | undefined {
  try {
    return parseUrl(url);
  } catch (err) {
    if (err instanceof StowageError) return undefined;
    throw err;
  }
}

/** Every path store/paths.ts builds for one repository name, with the given tag, digests and upload. */
function repositoryPaths(name: string, tag: string, digest: Digest, other: Digest, uuid: string): string[] {
  return [
    paths.repositoryPath(name),
    paths.layerPath(name, digest),
    paths.layerLinkPath(name, digest),
    paths.manifestsPath(name),
    paths.revisionPath(name, digest),
    paths.revisionLinkPath(name, digest),
    paths.tagsPath(name),
    paths.tagPath(name, tag),
    paths.tagCurrentLinkPath(name, tag),
    paths.tagIndexLinkPath(name, tag, digest),
    paths.uploadPath(name, uuid),
    paths.uploadDataPath(name, uuid),
    paths.uploadStartedAtPath(name, uuid),
    paths.referrersPath(name, digest),
    paths.referrerPath(name, digest, other),
    paths.referrerLinkPath(name, digest, other),
  ];
}

/**
 * The layout invariant: each path passes checkPath and lives under the repository's directory;
 * below it, in a `_`-prefixed directory, which no name component can start with, so that one
 * repository can never write into another (`a` and `a/b` share a directory tree).
 */
function assertContained(name: string, path: string): void {
  assert.doesNotThrow(() => checkPath(path), `checkPath refused ${path}`);
  const base = `${paths.REPOSITORIES}/${name}`;
  assert.ok(path === base || path.startsWith(`${base}/_`), `${path} escapes ${base}/_*`);
  assert.ok(!path.includes('//') && !path.includes('\u0000') && !path.includes('\\'), path);
  assert.ok(!path.split('/').some((c) => c === '..' || c === '.'), path);
  assert.ok(!/[A-Z]/.test(path.slice(0, base.length)), `uppercase in the repository part of ${path}`);
}

/** What the route says, checked the way the handlers check it before building any path. */
function checkRoute(route: Route): 'refused' | 'contained' {
  if (!('name' in route)) return 'contained';
  try {
    checkRepositoryName(route.name);
  } catch (err) {
    assert.ok(err instanceof StowageError && err.code === 'NAME_INVALID', `checkRepositoryName threw ${String(err)}`);
    return 'refused';
  }
  // The route's own tag, digest or upload id, when the handlers would accept it; else samples.
  let tag = 'latest';
  let digest = DIGESTS[0]!;
  let uuid = SAMPLE_UUID;
  const reference = route.kind === 'manifest' ? route.reference : route.kind === 'blob' || route.kind === 'referrers' ? route.digest : undefined;
  if (reference !== undefined) {
    if (Digest.isValid(reference)) digest = Digest.parse(reference);
    else if (!reference.includes(':') && isValidTag(reference)) tag = reference;
  }
  if (route.kind === 'upload' && UUID.test(route.uuid)) uuid = route.uuid;
  for (const other of DIGESTS) {
    for (const path of repositoryPaths(route.name, tag, digest, other, uuid)) assertContained(route.name, path);
  }
  return 'contained';
}

const segment = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom(...SEGMENT_POOL) },
  { weight: 1, arbitrary: fc.string({ maxLength: 12 }) },
  { weight: 1, arbitrary: fc.stringMatching(/^[a-z0-9]{1,8}(?:[._-][a-z0-9]{1,8})?$/) },
);
const ROUTE_TAILS = [
  'tags/list',
  'manifests/latest',
  `manifests/${SHA256}`,
  `blobs/${SHA256}`,
  'blobs/uploads/',
  'blobs/uploads',
  `blobs/uploads/${SAMPLE_UUID}`,
  `referrers/${SHA256}`,
  '',
  '_catalog',
];
/** `/v2/` + hostile segments + (often) a real route suffix, + (sometimes) a query. */
const adversarialUrl = fc
  .record({
    prefix: fc.constantFrom('/v2/', '/v2/', '/v2/', '/v2//', '/v2', '/V2/', '/v2/./', '/v2/../', '//v2/', '/v2%2F', ''),
    segments: fc.array(segment, { maxLength: 8 }),
    tail: fc.constantFrom(...ROUTE_TAILS),
    query: fc.option(fc.constantFrom(...QUERY_POOL), { nil: undefined }),
  })
  .map(({ prefix, segments, tail, query }) => {
    const path = prefix + [...segments, tail].filter((s, i, all) => i < all.length - 1 || s !== '').join('/');
    return query === undefined ? path : `${path}?${query}`;
  });
const arbitraryUrl = fc.oneof(
  fc.string({ maxLength: 200 }),
  fc.string({ unit: 'binary', maxLength: 200 }).map((s) => `/v2/${s}`),
  fc.string({ unit: 'grapheme', maxLength: 100 }).map((s) => `/v2/${s}/tags/list`),
  fc.array(fc.constantFrom('/', '%', '2', 'F', 'e', '.', '5', 'C', '0', 'a', '?', '#'), { maxLength: 40 }).map((cs) => `/v2/${cs.join('')}`),
);

describe('parseUrl against hostile URLs', () => {
  it('throws nothing but StowageError for arbitrary strings', () => {
    fc.assert(
      fc.property(arbitraryUrl, (url) => {
        tryParse(url);
      }),
      { numRuns: 5000 },
    );
  });

  it('any name it returns is refused by checkRepositoryName or yields only contained storage paths', () => {
    const seen = { refused: 0, contained: 0, noRoute: 0, named: 0 };
    fc.assert(
      fc.property(fc.oneof({ weight: 4, arbitrary: adversarialUrl }, { weight: 1, arbitrary: arbitraryUrl }), (url) => {
        const parsed = tryParse(url);
        if (!parsed) {
          seen.noRoute++;
          return;
        }
        if ('name' in parsed.route) seen.named++;
        seen[checkRoute(parsed.route)]++;
      }),
      { numRuns: 20_000 },
    );
    // Not vacuous: plenty of URLs got past the parser with names, some valid, some not.
    assert.ok(seen.named > 1000 && seen.refused > 100 && seen.contained > 200, JSON.stringify(seen));
  });

  it('percent-decoding never smuggles a slash, backslash or control character into a route', () => {
    // Raw ones are the name and reference checks' business (and Node's parser refuses raw
    // control characters on the wire); what must never happen is one appearing by decoding.
    const smuggled = (value: string, url: string, slashAllowed: boolean): string | undefined =>
      [...value].find((c) => /[/\\\u0000-\u001f\u007f]/.test(c) && (c === '/' ? !slashAllowed : !url.includes(c)));
    fc.assert(
      fc.property(fc.oneof(adversarialUrl, arbitraryUrl), (url) => {
        const parsed = tryParse(url);
        if (!parsed) return;
        const route = parsed.route as Record<string, unknown>;
        for (const key of ['reference', 'digest', 'uuid'] as const) {
          const value = route[key];
          if (typeof value === 'string') assert.equal(smuggled(value, url, false), undefined, `${key} ${JSON.stringify(value)} from ${url}`);
        }
        if (typeof route.name === 'string') assert.equal(smuggled(route.name, url, true), undefined, `name from ${url}`);
      }),
      { numRuns: 5000 },
    );
  });

  it('names built from valid components route back to themselves, whatever route word they contain', () => {
    const component = fc.oneof(
      fc.stringMatching(/^[a-z0-9]{1,6}(?:(?:[._]|__|-{1,3})[a-z0-9]{1,6}){0,2}$/),
      fc.constantFrom('blobs', 'uploads', 'manifests', 'tags', 'list', 'referrers', 'v2'),
    );
    fc.assert(
      fc.property(
        fc.array(component, { minLength: 1, maxLength: 5 }),
        fc.constantFrom(...ROUTE_TAILS.filter((t) => t !== '' && t !== '_catalog')),
        (parts, tail) => {
          const name = parts.join('/');
          const parsed = parseUrl(`/v2/${name}/${tail}`);
          assert.ok(parsed && 'name' in parsed.route, `${name}/${tail}`);
          assert.equal(parsed.route.name, name);
          if (name.length <= 255) assert.equal(checkRoute(parsed.route), 'contained');
        },
      ),
      { numRuns: 2000 },
    );
  });
});
