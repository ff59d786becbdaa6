/**
 * Digest.parse as a gatekeeper: digests become storage paths (blobs/<alg>/<hex[0:2]>/<hex>),
 * so only sha256 and sha512 with exactly 64 or 128 lowercase hex digits may ever pass.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { Digest } from '../../../src/digest/digest.js';
import { StowageError } from '../../../src/errors/error.js';
import { blobDataPath, ROOT } from '../../../src/registry/store/paths.js';
import { checkPath } from '../../../src/storage/path.js';
import { BAD_DIGESTS, HEX64, SHA256, SHA512 } from '../../support/adversarial.js';

/** The whole acceptance rule, independently stated. */
const ACCEPTED = /^(?:sha256:[0-9a-f]{64}|sha512:[0-9a-f]{128})$/;

function outcome(value: string): Digest | 'refused' {
  try {
    return Digest.parse(value);
  } catch (err) {
    assert.ok(err instanceof StowageError, `Digest.parse threw ${String(err)}`);
    assert.equal(err.code, 'DIGEST_INVALID');
    return 'refused';
  }
}

const hexOf = (length: number) => fc.string({ unit: fc.constantFrom(...'0123456789abcdef'), minLength: length, maxLength: length });
const valid = fc.oneof(
  hexOf(64).map((h) => `sha256:${h}`),
  hexOf(128).map((h) => `sha512:${h}`),
);

/** A valid digest with one edit: a character replaced, inserted or deleted, from a hostile alphabet. */
const INJECT = [...'./\\:+%-_=ABCDEFGXYZgxyz \u0000\n\t', '..', '../', '%2e%2e', '%2F', 'é', '\u2028', '🐳', '\uff0e'];
const mutated = fc
  .record({ base: valid, at: fc.nat(), insert: fc.constantFrom(...INJECT), mode: fc.constantFrom('replace', 'insert', 'delete') })
  .map(({ base, at, insert, mode }) => {
    const i = at % (base.length + 1);
    if (mode === 'insert') return base.slice(0, i) + insert + base.slice(i);
    if (mode === 'delete') return base.slice(0, i) + base.slice(i + 1);
    return base.slice(0, i) + insert + base.slice(i + insert.length);
  });

/** The algorithm part swapped for a look-alike: case, encoding, suffixes, other algorithms. */
const algorithmInjection = fc
  .record({
    algorithm: fc.constantFrom(
      'SHA256',
      'Sha256',
      'sha256+b64',
      'sha256.b64',
      'sha256_x',
      'sha-256',
      'sha2',
      'md5',
      'sha1',
      'sha384',
      'blake3',
      'sha256 ',
      ' sha256',
      'sha256\u0000',
      'sha256/..',
      '..',
      '',
      'sha512+sha256',
      'multihash+base58',
      'sha256%3A',
    ),
    encoded: fc.oneof(hexOf(64), hexOf(128), fc.constantFrom('../../x', '..%2F..%2Fx', 'A'.repeat(43) + '=', HEX64.toUpperCase())),
  })
  .map(({ algorithm, encoded }) => `${algorithm}:${encoded}`);

describe('Digest.parse gatekeeping', () => {
  it('accepts exactly sha256/sha512 with exact lowercase hex, for arbitrary input', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string({ maxLength: 300 }), fc.string({ unit: 'binary', maxLength: 150 }), valid, mutated), (value) => {
        const result = outcome(value);
        assert.equal(result !== 'refused', ACCEPTED.test(value), JSON.stringify(value));
        if (result !== 'refused') assert.equal(result.toString(), value);
      }),
      { numRuns: 10_000 },
    );
  });

  it('refuses every algorithm injection (sha256:../../x, sha256+b64:…, SHA256:…)', () => {
    for (const value of BAD_DIGESTS) assert.equal(outcome(value), 'refused', JSON.stringify(value));
    fc.assert(
      fc.property(algorithmInjection, (value) => {
        assert.equal(outcome(value), 'refused', JSON.stringify(value));
      }),
      { numRuns: 3000 },
    );
  });

  it('a one-character edit of a valid digest passes only if it is still a valid digest', () => {
    fc.assert(
      fc.property(mutated, (value) => {
        const result = outcome(value);
        if (result !== 'refused') assert.match(value, ACCEPTED);
      }),
      { numRuns: 10_000 },
    );
  });

  it('whatever passes gives a blob path that the drivers accept, under blobs/<alg>/<hex[0:2]>/<hex>/data', () => {
    fc.assert(
      fc.property(fc.oneof(valid, mutated), (value) => {
        const result = outcome(value);
        if (result === 'refused') return;
        const path = blobDataPath(result);
        assert.deepEqual(checkPath(path), [...ROOT.slice(1).split('/'), 'blobs', result.algorithm, result.hex.slice(0, 2), result.hex, 'data']);
      }),
      { numRuns: 3000 },
    );
  });

  it('fromHex and isValid agree with parse; non-strings are refused with DIGEST_INVALID', () => {
    assert.equal(Digest.fromHex('sha256', HEX64).toString(), SHA256);
    assert.equal(Digest.isValid(SHA512), true);
    for (const value of [undefined, null, 42, {}, [], Symbol.iterator] as unknown[]) {
      assert.throws(() => Digest.parse(value as string), { code: 'DIGEST_INVALID' });
    }
    fc.assert(
      fc.property(fc.oneof(valid, mutated, algorithmInjection), (value) => {
        assert.equal(Digest.isValid(value), outcome(value) !== 'refused');
      }),
      { numRuns: 2000 },
    );
  });
});
