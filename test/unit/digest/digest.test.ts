import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { Digest } from '../../../src/digest/digest.js';
import { Digester } from '../../../src/digest/digester.js';

const hex = (n: number): string => 'ab'.repeat(n / 2);

describe('Digest.parse', () => {
  it('accepts sha256 and sha512', () => {
    assert.equal(Digest.parse(`sha256:${hex(64)}`).algorithm, 'sha256');
    assert.equal(Digest.parse(`sha512:${hex(128)}`).hex, hex(128));
  });

  it('refuses everything else with DIGEST_INVALID', () => {
    const bad = [
      '',
      'sha256',
      `sha256:${hex(62)}`,
      `sha256:${hex(64)}0`,
      `sha256:${hex(64).toUpperCase()}`,
      `sha512:${hex(64)}`,
      `md5:${hex(32)}`,
      `sha256+b64u:${hex(64)}`,
      `SHA256:${hex(64)}`,
      `sha256:${hex(64)}\n`,
      `sha256:../${hex(60)}`,
      `sha256:${hex(64)}/x`,
      ':abc',
    ];
    for (const value of bad) assert.throws(() => Digest.parse(value), { code: 'DIGEST_INVALID' }, JSON.stringify(value));
  });

  it('names an unsupported algorithm in the message', () => {
    assert.throws(() => Digest.parse(`md5:${hex(32)}`), /unsupported digest algorithm: md5/);
  });

  it('never throws anything but DIGEST_INVALID, and what it accepts is path-safe', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (value) => {
        try {
          const digest = Digest.parse(value);
          assert.match(digest.toString(), /^sha(256|512):[a-f0-9]+$/);
        } catch (err) {
          assert.equal((err as { code?: string }).code, 'DIGEST_INVALID');
        }
      }),
    );
  });

  it('computes digests of buffers and compares them', () => {
    const data = Buffer.from('hello');
    const expected = createHash('sha256').update(data).digest('hex');
    assert.equal(Digest.of(data).toString(), `sha256:${expected}`);
    assert.ok(Digest.of(data).equals(Digest.parse(`sha256:${expected}`)));
    assert.ok(!Digest.of(data).equals(Digest.of(data, 'sha512')));
    assert.equal(JSON.stringify({ d: Digest.of(data) }), `{"d":"sha256:${expected}"}`);
  });
});

describe('Digester', () => {
  const drain = async (source: Readable, digester: Digester): Promise<void> =>
    pipeline(source, digester, async (passed) => {
      for await (const _ of passed) void _;
    });

  it('hashes bytes as they pass, in either algorithm', async () => {
    const data = randomBytes(300_000);
    for (const algorithm of ['sha256', 'sha512'] as const) {
      const digester = new Digester({ algorithm });
      await drain(Readable.from([data.subarray(0, 1000), data.subarray(1000)]), digester);
      assert.equal(digester.digest().hex, createHash(algorithm).update(data).digest('hex'));
      assert.equal(digester.size, data.length);
    }
  });

  it('fails the stream with DIGEST_INVALID when the bytes do not match', async () => {
    const expected = Digest.of(Buffer.from('right'));
    await assert.rejects(drain(Readable.from([Buffer.from('wrong')]), new Digester({ expected })), { code: 'DIGEST_INVALID' });
  });

  it('fails with SIZE_INVALID on too many or too few bytes', async () => {
    const data = Buffer.from('12345');
    await assert.rejects(drain(Readable.from([data]), new Digester({ expectedSize: 4 })), { code: 'SIZE_INVALID' });
    await assert.rejects(drain(Readable.from([data]), new Digester({ expectedSize: 6 })), { code: 'SIZE_INVALID' });
    const ok = new Digester({ expected: Digest.of(data), expectedSize: 5 });
    await drain(Readable.from([data]), ok);
    assert.ok(ok.digest().equals(Digest.of(data)));
  });

  it('refuses to report a digest before the end', () => {
    assert.throws(() => new Digester().digest(), { code: 'INTERNAL' });
  });
});
