import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isStowageError } from '../../../src/errors/error.js';
import {
  checkRepositoryName,
  checkTag,
  familiarString,
  formatReference,
  isValidRepositoryName,
  isValidTag,
  parseReference,
  type Reference,
} from '../../../src/reference/index.js';

const SHA256 = `sha256:${'f'.repeat(64)}`;
const SHA512 = `sha512:${'f'.repeat(128)}`;

// Cases adapted from distribution/reference reference_test.go and normalize_test.go, run
// through the normalising parser (ParseNormalizedNamed semantics).
const VALID: Array<[input: string, expected: Reference]> = [
  ['alpine', { domain: 'docker.io', path: 'library/alpine', tag: 'latest' }],
  ['alpine:3.20', { domain: 'docker.io', path: 'library/alpine', tag: '3.20' }],
  ['library/debian', { domain: 'docker.io', path: 'library/debian', tag: 'latest' }],
  ['docker/docker', { domain: 'docker.io', path: 'docker/docker', tag: 'latest' }],
  ['docker.io/debian', { domain: 'docker.io', path: 'library/debian', tag: 'latest' }],
  ['index.docker.io/debian', { domain: 'docker.io', path: 'library/debian', tag: 'latest' }],
  ['index.docker.io/docker/docker', { domain: 'docker.io', path: 'docker/docker', tag: 'latest' }],
  ['docker.io/library/foo/bar', { domain: 'docker.io', path: 'library/foo/bar', tag: 'latest' }],
  ['test_com', { domain: 'docker.io', path: 'library/test_com', tag: 'latest' }],
  ['test_com/foo', { domain: 'docker.io', path: 'test_com/foo', tag: 'latest' }],
  ['test.com:tag', { domain: 'docker.io', path: 'library/test.com', tag: 'tag' }],
  ['test.com:5000', { domain: 'docker.io', path: 'library/test.com', tag: '5000' }],
  ['test.com/repo:tag', { domain: 'test.com', path: 'repo', tag: 'tag' }],
  ['test:5000/repo', { domain: 'test:5000', path: 'repo', tag: 'latest' }],
  ['test:5000/repo@' + SHA256, { domain: 'test:5000', path: 'repo', digest: SHA256 }],
  ['test:5000/repo:tag@' + SHA256, { domain: 'test:5000', path: 'repo', tag: 'tag', digest: SHA256 }],
  ['localhost/x', { domain: 'localhost', path: 'x', tag: 'latest' }],
  ['localhost:5000/x', { domain: 'localhost:5000', path: 'x', tag: 'latest' }],
  ['127.0.0.1:5000/a/b:t', { domain: '127.0.0.1:5000', path: 'a/b', tag: 't' }],
  ['192.168.1.1', { domain: 'docker.io', path: 'library/192.168.1.1', tag: 'latest' }],
  ['192.168.1.1/repo', { domain: '192.168.1.1', path: 'repo', tag: 'latest' }],
  ['192.168.1.1:5000/repo:5050', { domain: '192.168.1.1:5000', path: 'repo', tag: '5050' }],
  ['[::1]:5000/x', { domain: '[::1]:5000', path: 'x', tag: 'latest' }],
  ['[2001:db8::1]/repo', { domain: '[2001:db8::1]', path: 'repo', tag: 'latest' }],
  ['[2001:db8:1:2:3:4:5:6]/repo:tag', { domain: '[2001:db8:1:2:3:4:5:6]', path: 'repo', tag: 'tag' }],
  ['[2001:db8::1]:5000/repo:tag@' + SHA256, { domain: '[2001:db8::1]:5000', path: 'repo', tag: 'tag', digest: SHA256 }],
  ['lowercase:Uppercase', { domain: 'docker.io', path: 'library/lowercase', tag: 'Uppercase' }],
  ['sub-dom1.foo.com/bar/baz/quux:some-long-tag', { domain: 'sub-dom1.foo.com', path: 'bar/baz/quux', tag: 'some-long-tag' }],
  ['b.gcr.io/test.example.com/my-app:test.example.com', { domain: 'b.gcr.io', path: 'test.example.com/my-app', tag: 'test.example.com' }],
  ['xn--7o8h.com/myimage:xn--7o8h.com@' + SHA512, { domain: 'xn--7o8h.com', path: 'myimage', tag: 'xn--7o8h.com', digest: SHA512 }],
  ['foo/foo_bar.com:8080', { domain: 'docker.io', path: 'foo/foo_bar.com', tag: '8080' }],
  ['docker---rules/dock__er', { domain: 'docker.io', path: 'docker---rules/dock__er', tag: 'latest' }],
  ['ghcr.io/org/app@' + SHA256, { domain: 'ghcr.io', path: 'org/app', digest: SHA256 }],
  // An uppercase first component can only be a host (distribution treats it so).
  ['Docker/docker', { domain: 'Docker', path: 'docker', tag: 'latest' }],
  [
    'docker.io/1a3f5e7d9c1b3a5f7e9d1c3b5a7f9e1d3c5b7a9f1e3d5d7c9b1a3f5e7d9c1b3a',
    { domain: 'docker.io', path: 'library/1a3f5e7d9c1b3a5f7e9d1c3b5a7f9e1d3c5b7a9f1e3d5d7c9b1a3f5e7d9c1b3a', tag: 'latest' },
  ],
  ['a:' + 'x'.repeat(128), { domain: 'docker.io', path: 'library/a', tag: 'x'.repeat(128) }],
];

const INVALID: Array<[input: string, messagePart: RegExp]> = [
  ['', /empty/],
  [':justtag', /repository name is missing/],
  ['@' + SHA256, /repository name is missing/],
  ['repo@sha256:ffffffffffffffffffffffffffffffffff', /invalid sha256 digest/],
  ['validname@invaliddigest:' + 'f'.repeat(64), /unsupported digest algorithm/],
  ['Uppercase:tag', /must be lowercase/],
  ['docker/Docker', /must be lowercase/],
  ['test:5000/Uppercase/lowercase:tag', /must be lowercase/],
  ['a/'.repeat(128) + 'a:tag', /longer than 255/],
  ['aa/asdf$$^/aa', /invalid repository name/],
  ['https://github.com/docker/docker', /invalid registry host/],
  ['-docker', /invalid repository name/],
  ['-docker.io/docker/docker', /invalid registry host/],
  ['docker///docker', /invalid repository name/],
  ['docker-/docker', /invalid repository name/],
  ['____/____', /invalid repository name/],
  ['dock..er/docker', /invalid registry host/],
  ['dock..er/docker', /invalid registry host/],
  ['docker/', /invalid repository name/],
  ['[2001:db8::1]', /invalid tag/],
  ['[2001:db8::1]:5000', /invalid tag/],
  ['[fe80::1%eth0]:5000/repo', /invalid registry host/],
  ['[2001:db8:3:4::192.0.2.33]:5000/debian', /invalid registry host/],
  ['fc00::1:5000/debian', /invalid registry host/],
  ['1a3f5e7d9c1b3a5f7e9d1c3b5a7f9e1d3c5b7a9f1e3d5d7c9b1a3f5e7d9c1b3a', /image ID/],
  ['alpine:-tag', /invalid tag/],
  ['alpine:' + 'x'.repeat(129), /invalid tag/],
  ['alpine:', /invalid tag/],
  ['alpine@', /invalid digest/],
  ['a/../b', /invalid repository name/],
  ['a%2Fb', /invalid repository name/],
  ['al\u0000pine', /invalid repository name/],
];

describe('parseReference', () => {
  for (const [input, expected] of VALID) {
    it(`parses ${JSON.stringify(input.slice(0, 80))}`, () => {
      assert.deepEqual(parseReference(input), expected);
    });
  }
  for (const [input, message] of INVALID) {
    it(`refuses ${JSON.stringify(input.slice(0, 80))}`, () => {
      assert.throws(
        () => parseReference(input),
        (err: unknown) => isStowageError(err, 'REFERENCE_INVALID') && message.test(err.message) && !err.message.includes('\n'),
      );
    });
  }

  it('names the input in the message, on one line', () => {
    assert.throws(
      () => parseReference('bad\nRef'),
      (err: unknown) => {
        assert.ok(isStowageError(err, 'REFERENCE_INVALID'));
        assert.match(err.message, /^invalid reference "bad\\nRef": /);
        return true;
      },
    );
  });

  it('refuses a name of 256 characters and accepts 255', () => {
    const path255 = `x/${'a'.repeat(255 - 'docker.io/x/'.length)}`;
    assert.equal(formatReference({ domain: 'docker.io', path: path255 }).length, 255);
    assert.equal(parseReference(path255).path, path255);
    assert.throws(() => parseReference(`${path255}a`), /longer than 255/);
  });
});

describe('formatReference and familiarString', () => {
  const cases: Array<[input: string, full: string, familiar: string]> = [
    ['alpine', 'docker.io/library/alpine:latest', 'alpine:latest'],
    ['user/app:1', 'docker.io/user/app:1', 'user/app:1'],
    ['ghcr.io/x/y:1', 'ghcr.io/x/y:1', 'ghcr.io/x/y:1'],
    ['docker.io/library/foo/bar', 'docker.io/library/foo/bar:latest', 'library/foo/bar:latest'],
    ['busybox:latest@' + SHA256, `docker.io/library/busybox:latest@${SHA256}`, `busybox:latest@${SHA256}`],
    ['host/x@' + SHA256, `docker.io/host/x@${SHA256}`, `host/x@${SHA256}`],
    ['localhost:5000/x@' + SHA256, `localhost:5000/x@${SHA256}`, `localhost:5000/x@${SHA256}`],
    ['127.0.0.1:8000/private/moonbase', '127.0.0.1:8000/private/moonbase:latest', '127.0.0.1:8000/private/moonbase:latest'],
  ];
  for (const [input, full, familiar] of cases) {
    it(`formats ${input.slice(0, 40)}`, () => {
      const ref = parseReference(input);
      assert.equal(formatReference(ref), full);
      assert.equal(familiarString(ref), familiar);
      assert.deepEqual(parseReference(full), ref);
      assert.deepEqual(parseReference(familiar), ref);
    });
  }
});

describe('repository names and tags', () => {
  const validNames = ['a', 'library/alpine', 'org/team/app', 'a.b_c__d---e', 'x'.repeat(255), 'a0/b1/c2'];
  const invalidNames = ['', 'A', 'Org/app', '/a', 'a/', 'a//b', 'a/../b', '..', 'a..b', '-a', 'a-', '_a', 'a___b', 'a:b', 'a\u0000b', 'x'.repeat(256)];
  for (const name of validNames) {
    it(`accepts name ${name.slice(0, 40)}`, () => {
      assert.equal(isValidRepositoryName(name), true);
      checkRepositoryName(name);
    });
  }
  for (const name of invalidNames) {
    it(`refuses name ${JSON.stringify(name.slice(0, 40))}`, () => {
      assert.equal(isValidRepositoryName(name), false);
      assert.throws(
        () => checkRepositoryName(name),
        (err: unknown) => isStowageError(err, 'NAME_INVALID'),
      );
    });
  }
  it('says why an uppercase name is refused', () => {
    assert.throws(() => checkRepositoryName('Org/app'), /must be lowercase/);
  });

  const validTags = ['latest', 'v1.2.3', '_x', 'A-b_C.d', '1', 'x'.repeat(128)];
  const invalidTags = ['', '.x', '-x', 'a/b', 'a:b', 'a@b', 'x'.repeat(129), 'é'];
  for (const tag of validTags) {
    it(`accepts tag ${tag.slice(0, 40)}`, () => {
      assert.equal(isValidTag(tag), true);
      checkTag(tag);
    });
  }
  for (const tag of invalidTags) {
    it(`refuses tag ${JSON.stringify(tag.slice(0, 40))}`, () => {
      assert.equal(isValidTag(tag), false);
      assert.throws(
        () => checkTag(tag),
        (err: unknown) => isStowageError(err, 'TAG_INVALID'),
      );
    });
  }
});
