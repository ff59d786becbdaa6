import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { Crc64Iso, crc64Iso } from '../../../src/dockerroot/tarsplit/crc64.js';

// Go's hash/crc64 crc64_test.go golden values for the ISO table (what tar-split stores).
const GOLDEN: Array<[string, string]> = [
  ['0000000000000000', ''],
  ['3420000000000000', 'a'],
  ['36c4200000000000', 'ab'],
  ['3776c42000000000', 'abc'],
  ['336776c420000000', 'abcd'],
  ['32d36776c4200000', 'abcde'],
  ['3002d36776c42000', 'abcdef'],
  ['31b002d36776c420', 'abcdefg'],
  ['0e21b002d36776c4', 'abcdefgh'],
  ['8b6e21b002d36776', 'abcdefghi'],
  ['7f5b6e21b002d367', 'abcdefghij'],
  ['8ec0e7c835bf9cdf', 'Discard medicine more than two years old.'],
  ['c7db1759e2be5ab4', 'He who has a shady past knows that nice guys finish last.'],
  ['fbf9d9603a6fa020', "I wouldn't marry him with a ten foot pole."],
  ['eafc4211a6daa0ef', 'Free! Free!/A trip/to Mars/for 900/empty jars/Burma Shave'],
  ['b90956c775a41001', '123456789'],
];

/** One byte at a time: exercises only the byte-wise tail loop, the reference for the bulk one. */
function bytewise(data: Buffer): string {
  const crc = new Crc64Iso();
  for (let i = 0; i < data.length; i++) crc.update(data.subarray(i, i + 1));
  return crc.digest().toString('hex');
}

describe('CRC-64/ISO (Go hash/crc64, crc64.ISO)', () => {
  it('matches Go golden values, as 8 big-endian bytes', () => {
    for (const [hex, text] of GOLDEN) assert.equal(crc64Iso(Buffer.from(text)).toString('hex'), hex, JSON.stringify(text));
  });

  it('gives the same sum however the input is split, aligned or not', () => {
    for (const length of [0, 1, 7, 8, 9, 63, 64, 65, 1000, 4099]) {
      const data = randomBytes(length + 3);
      for (const offset of [0, 1, 2, 3]) {
        const slice = data.subarray(offset, offset + length);
        const whole = crc64Iso(slice).toString('hex');
        assert.equal(bytewise(slice), whole, `length ${length}, offset ${offset}`);
        const cut = Math.floor(length / 3);
        const parts = new Crc64Iso().update(slice.subarray(0, cut)).update(slice.subarray(cut)).digest().toString('hex');
        assert.equal(parts, whole);
      }
    }
  });
});
