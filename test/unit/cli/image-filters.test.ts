import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { filterImages, imageTime, parseImageFilters, sortNewestFirst } from '../../../src/ops/image-filters.js';
import { pathMatch } from '../../../src/ops/path-match.js';
import type { ImageRecord } from '../../../src/store/types.js';

const hex = (c: string): string => c.repeat(64);

function image(n: string, created: string | undefined, repoTags: string[], repoDigests: string[] = []): ImageRecord {
  return {
    id: `sha256:${hex(n)}`,
    manifest: { digest: `sha256:${hex(n === 'f' ? 'e' : 'f')}`, mediaType: 'application/vnd.oci.image.manifest.v1+json', size: 400 },
    config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: `sha256:${hex(n)}`, size: 100 },
    layers: [],
    repoTags,
    repoDigests,
    ...(created === undefined ? {} : { created }),
    pulled: '2024-06-01T00:00:00Z',
    platform: { os: 'linux', architecture: 'amd64' },
    size: 1000,
    layerSizes: [],
    contentSize: 1500,
  };
}

const ALPINE = image(
  'a',
  '2024-01-03T00:00:00Z',
  ['docker.io/library/alpine:latest', 'docker.io/library/alpine:3.19'],
  [`docker.io/library/alpine@sha256:${hex('1')}`],
);
const WEB = image('b', '2024-01-02T00:00:00Z', ['localhost:5000/team/web:1.0']);
const DANGLING = image('c', '2024-01-01T00:00:00Z', []);
const DIGEST_ONLY = image('d', undefined, [], [`docker.io/library/busybox@sha256:${hex('2')}`]);
const ALL = [ALPINE, WEB, DANGLING, DIGEST_ONLY];

const ids = (images: ImageRecord[]): string[] => images.map((i) => i.id.slice(7, 8));

describe('parseImageFilters', () => {
  it("reads docker's filters", () => {
    const spec = parseImageFilters(['dangling=true', 'reference=alp*', 'before=web:1.0', 'since=abc', 'label=a', 'label=b=c=d']);
    assert.deepEqual(spec, {
      dangling: true,
      references: ['alp*'],
      before: ['web:1.0'],
      since: ['abc'],
      labels: [{ key: 'a' }, { key: 'b', value: 'c=d' }],
    });
  });

  it('refuses what docker refuses', () => {
    assert.throws(() => parseImageFilters(['dangling']), /bad format of filter/);
    assert.throws(() => parseImageFilters(['color=red']), /invalid filter 'color'/);
    assert.throws(() => parseImageFilters(['dangling=maybe']), /invalid filter 'dangling=maybe'/);
    assert.throws(() => parseImageFilters(['dangling=true', 'dangling=false']), /together/);
    assert.throws(() => parseImageFilters(['reference=[a']), /syntax error in pattern/);
  });
});

describe('filterImages', () => {
  it('without filters keeps everything', () => {
    assert.deepEqual(ids(filterImages(ALL, parseImageFilters([]))), ['a', 'b', 'c', 'd']);
  });

  it('dangling=true keeps untagged images (digest-only ones too, as moby does)', () => {
    assert.deepEqual(ids(filterImages(ALL, parseImageFilters(['dangling=true']))), ['c', 'd']);
  });

  it('dangling=false drops images with neither tag nor digest', () => {
    assert.deepEqual(ids(filterImages(ALL, parseImageFilters(['dangling=false']))), ['a', 'b', 'd']);
  });

  it('reference= globs the familiar name or the familiar reference, and keeps only matching names', () => {
    const byName = filterImages(ALL, parseImageFilters(['reference=alpine']));
    assert.deepEqual(ids(byName), ['a']);
    assert.deepEqual(byName[0]?.repoTags, ALPINE.repoTags);
    const byTag = filterImages(ALL, parseImageFilters(['reference=alpine:3*']));
    assert.deepEqual(byTag[0]?.repoTags, ['docker.io/library/alpine:3.19']);
    assert.deepEqual(byTag[0]?.repoDigests, []);
    assert.deepEqual(ids(filterImages(ALL, parseImageFilters(['reference=localhost:5000/*/*']))), ['b']);
    assert.deepEqual(ids(filterImages(ALL, parseImageFilters(['reference=*/web:1.0']))), []); // '*' stops at '/'
    assert.deepEqual(ids(filterImages(ALL, parseImageFilters(['reference=busybox']))), ['d']);
    assert.deepEqual(ids(filterImages(ALL, parseImageFilters(['reference=nothing', 'reference=web*', 'reference=alpine']))), ['a']);
  });

  it('before= and since= compare creation times strictly', () => {
    const t = imageTime(WEB);
    assert.deepEqual(ids(filterImages(ALL, parseImageFilters([]), { before: t })), ['c']);
    assert.deepEqual(ids(filterImages(ALL, parseImageFilters([]), { since: t })), ['a', 'd']);
  });

  it('label= matches keys, or keys and values, all of them', () => {
    const labels: Record<string, Record<string, string>> = { [ALPINE.id]: { a: '1', b: '2' }, [WEB.id]: { a: '2' } };
    const context = { labelsOf: (i: ImageRecord) => labels[i.id] };
    assert.deepEqual(ids(filterImages(ALL, parseImageFilters(['label=a']), context)), ['a', 'b']);
    assert.deepEqual(ids(filterImages(ALL, parseImageFilters(['label=a=2']), context)), ['b']);
    assert.deepEqual(ids(filterImages(ALL, parseImageFilters(['label=a', 'label=b']), context)), ['a']);
  });
});

describe('sortNewestFirst', () => {
  it('orders by creation time, falling back to the pull time', () => {
    assert.deepEqual(ids(sortNewestFirst([DANGLING, ALPINE, DIGEST_ONLY, WEB])), ['d', 'a', 'b', 'c']);
  });
});

describe('pathMatch (Go path.Match, match_test.go)', () => {
  const cases: Array<[string, string, boolean | 'bad']> = [
    ['abc', 'abc', true],
    ['*', 'abc', true],
    ['*c', 'abc', true],
    ['a*', 'a', true],
    ['a*', 'abc', true],
    ['a*', 'ab/c', false],
    ['a*/b', 'abc/b', true],
    ['a*/b', 'a/c/b', false],
    ['a*b*c*d*e*/f', 'axbxcxdxe/f', true],
    ['a*b*c*d*e*/f', 'axbxcxdxexxx/f', true],
    ['a*b*c*d*e*/f', 'axbxcxdxe/xxx/f', false],
    ['a*b*c*d*e*/f', 'axbxcxdxexxx/fff', false],
    ['a*b?c*x', 'abxbbxdbxebxczzx', true],
    ['a*b?c*x', 'abxbbxdbxebxczzy', false],
    ['ab[c]', 'abc', true],
    ['ab[b-d]', 'abc', true],
    ['ab[e-g]', 'abc', false],
    ['ab[^c]', 'abc', false],
    ['ab[^b-d]', 'abc', false],
    ['ab[^e-g]', 'abc', true],
    ['a\\*b', 'a*b', true],
    ['a\\*b', 'ab', false],
    ['a?b', 'a☺b', true],
    ['a[^a]b', 'a☺b', true],
    ['a???b', 'a☺b', false],
    ['a[^a][^a][^a]b', 'a☺b', false],
    ['[a-ζ]*', 'α', true],
    ['*[a-ζ]', 'A', false],
    ['a?b', 'a/b', false],
    ['a*b', 'a/b', false],
    ['[\\]a]', ']', true],
    ['[\\-]', '-', true],
    ['[x\\-]', 'x', true],
    ['[x\\-]', '-', true],
    ['[x\\-]', 'z', false],
    ['[\\-x]', 'x', true],
    ['[\\-x]', '-', true],
    ['[\\-x]', 'a', false],
    ['[]a]', ']', 'bad'],
    ['[-]', '-', 'bad'],
    ['[x-]', 'x', 'bad'],
    ['[-x]', 'x', 'bad'],
    ['\\', 'a', 'bad'],
    ['[a-b-c]', 'a', 'bad'],
    ['[', 'a', 'bad'],
    ['[^', 'a', 'bad'],
    ['[^bc', 'a', 'bad'],
    ['a[', 'a', 'bad'],
    ['a[', 'ab', 'bad'],
    ['a/b[', 'x', 'bad'],
    ['*x', 'xxx', true],
  ];
  for (const [pattern, name, want] of cases) {
    it(`${pattern} ~ ${name}: ${want}`, () => {
      if (want === 'bad') assert.throws(() => pathMatch(pattern, name), /syntax error in pattern/);
      else assert.equal(pathMatch(pattern, name), want);
    });
  }
});
