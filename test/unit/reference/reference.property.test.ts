import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { StowageError } from '../../../src/errors/error.js';
import { familiarString, formatReference, isValidRepositoryName, parseReference, type Reference } from '../../../src/reference/index.js';

const HEX64 = 'a'.repeat(32) + '0123456789abcdef'.repeat(2);

/** Pieces that stress the parser: separators, traversal, encodings, NUL, unicode, digests. */
const PIECES = [
  'a',
  'b',
  'z9',
  'A',
  'Z',
  '0',
  '.',
  '..',
  '/',
  '//',
  ':',
  '@',
  '-',
  '--',
  '_',
  '__',
  '___',
  '%2F',
  '%2e%2e',
  '\u0000',
  '\n',
  ' ',
  'é',
  '\u2028',
  '🐳',
  '[',
  ']',
  '[::1]',
  '::',
  '5000',
  'localhost',
  'docker.io',
  'index.docker.io',
  'library',
  'sha256:',
  `sha256:${HEX64}`,
  HEX64,
];
const pieceString = fc.array(fc.constantFrom(...PIECES), { maxLength: 12 }).map((parts) => parts.join(''));
const anyString = fc.oneof(
  pieceString,
  fc.string({ unit: 'binary', maxLength: 80 }),
  fc.string({ unit: 'grapheme', maxLength: 80 }),
  fc.string({ maxLength: 2000 }),
);

const component = fc.stringMatching(/^[a-z0-9]{1,6}(?:(?:[._]|__|-{1,3})[a-z0-9]{1,6}){0,2}$/);
const wellFormed = fc
  .record({
    domain: fc.constantFrom('', 'localhost/', 'localhost:5000/', 'ghcr.io/', '127.0.0.1:5000/', '[::1]:5000/', 'docker.io/', 'index.docker.io/', 'Foo/'),
    path: fc.array(component, { minLength: 1, maxLength: 4 }).map((c) => c.join('/')),
    tag: fc.option(fc.stringMatching(/^[a-zA-Z0-9_][a-zA-Z0-9._-]{0,20}$/), { nil: undefined }),
    digest: fc.option(fc.constant(`sha256:${HEX64}`), { nil: undefined }),
  })
  // With no host, a first component holding '.' would be read as one: prefix a namespace.
  .map(({ domain, path, tag, digest }) => {
    const name = domain === '' && /^[^/]*\.[^/]*\//.test(path) ? `ns/${path}` : domain + path;
    return name + (tag ? `:${tag}` : '') + (digest ? `@${digest}` : '');
  });

function tryParse(input: string): Reference | undefined {
  try {
    return parseReference(input);
  } catch (err) {
    if (err instanceof StowageError) return undefined;
    throw err;
  }
}

describe('parseReference properties', () => {
  it('throws nothing but StowageError, whatever the input', () => {
    fc.assert(
      fc.property(fc.oneof(anyString, wellFormed), (input) => {
        tryParse(input);
      }),
      { numRuns: 3000 },
    );
  });

  it('error messages are a single line', () => {
    fc.assert(
      fc.property(anyString, (input) => {
        try {
          parseReference(input);
        } catch (err) {
          assert.ok(err instanceof StowageError);
          assert.doesNotMatch(err.message, /[\n\r\u0000\u2028\u2029]/);
        }
      }),
      { numRuns: 1000 },
    );
  });

  it('well-formed references parse', () => {
    fc.assert(
      fc.property(wellFormed, (input) => {
        assert.ok(tryParse(input), input);
      }),
      { numRuns: 1000 },
    );
  });

  it('format(parse(x)) and familiarString(parse(x)) re-parse to the same Reference', () => {
    fc.assert(
      fc.property(fc.oneof(wellFormed, anyString), (input) => {
        const ref = tryParse(input);
        if (ref === undefined) return;
        assert.deepEqual(parseReference(formatReference(ref)), ref);
        assert.deepEqual(parseReference(familiarString(ref)), ref);
      }),
      { numRuns: 3000 },
    );
  });
});

describe('isValidRepositoryName properties', () => {
  it('a valid name never holds "..", "//", a leading "/", NUL or uppercase', () => {
    fc.assert(
      fc.property(fc.oneof(pieceString, fc.string({ unit: 'binary', maxLength: 40 })), (name) => {
        if (!isValidRepositoryName(name)) return;
        assert.ok(!name.includes('..'), name);
        assert.ok(!name.includes('//'), name);
        assert.ok(!name.startsWith('/'), name);
        assert.ok(!name.includes('\u0000'), name);
        assert.ok(name === name.toLowerCase(), name);
      }),
      { numRuns: 5000 },
    );
  });

  it('names built from valid components are valid', () => {
    fc.assert(
      fc.property(fc.array(component, { minLength: 1, maxLength: 5 }), (parts) => {
        assert.ok(isValidRepositoryName(parts.join('/')));
      }),
    );
  });
});
