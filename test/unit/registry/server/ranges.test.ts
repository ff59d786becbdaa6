import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseContentRange, parseRange } from '../../../../src/registry/server/ranges.js';

describe('parseRange', () => {
  it('reads the forms RFC 9110 defines', () => {
    assert.deepEqual(parseRange('bytes=0-9', 100), { start: 0, end: 9 });
    assert.deepEqual(parseRange('bytes=90-', 100), { start: 90, end: 99 });
    assert.deepEqual(parseRange('bytes=-10', 100), { start: 90, end: 99 });
    assert.deepEqual(parseRange('bytes=-1000', 100), { start: 0, end: 99 });
    assert.deepEqual(parseRange('bytes=50-1000', 100), { start: 50, end: 99 });
  });
  it('ignores what the RFC lets a server ignore', () => {
    assert.equal(parseRange(undefined, 100), undefined);
    assert.equal(parseRange('bytes=0-1,5-6', 100), undefined);
    assert.equal(parseRange('items=0-1', 100), undefined);
    assert.equal(parseRange('bytes=9-1', 100), undefined);
  });
  it('answers an unsatisfiable range with RANGE_INVALID', () => {
    assert.throws(() => parseRange('bytes=100-', 100), { code: 'RANGE_INVALID' });
    assert.throws(() => parseRange('bytes=-0', 100), { code: 'RANGE_INVALID' });
    assert.throws(() => parseRange('bytes=0-', 0), { code: 'RANGE_INVALID' });
  });
});

describe('parseContentRange', () => {
  it('reads the spec form and the RFC form', () => {
    assert.deepEqual(parseContentRange('0-99'), { start: 0, end: 99 });
    assert.deepEqual(parseContentRange('bytes 100-199/*'), { start: 100, end: 199 });
    assert.deepEqual(parseContentRange('bytes 100-199/500'), { start: 100, end: 199 });
    assert.equal(parseContentRange(undefined), undefined);
  });
  it('refuses malformed or inverted ranges', () => {
    for (const bad of ['', 'abc', '5-1', '-5', '1-', '0-1-2', '99999999999999999999-99999999999999999999']) {
      assert.throws(() => parseContentRange(bad), { code: 'RANGE_INVALID' }, bad);
    }
  });
});
