import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { scanJson } from '../../../src/oci/json-scan.js';

const all = { maxDepth: 1_000_000, keep: () => true };

/** What scanJson should find, computed from the parsed value: path -> number, in its path format. */
function numbersOf(value: unknown): Map<string, number> {
  const out = new Map<string, number>();
  const walk = (v: unknown, path: string): void => {
    if (Array.isArray(v))
      v.forEach((item, i) => {
        visit(item, `${path}[${i}]`);
      });
    else if (v !== null && typeof v === 'object') {
      for (const [key, item] of Object.entries(v)) visit(item, path === '' ? key : `${path}.${key}`);
    }
  };
  const visit = (v: unknown, path: string): void => {
    if (typeof v === 'number') out.set(path, v);
    else walk(v, path);
  };
  walk(value, '');
  return out;
}

function depthOf(value: unknown): number {
  if (Array.isArray(value)) return 1 + Math.max(0, ...value.map(depthOf));
  if (value !== null && typeof value === 'object') return 1 + Math.max(0, ...Object.values(value).map(depthOf));
  return 0;
}

describe('scanJson', () => {
  it('keeps the source text of numbers, where JSON.parse would normalise it', () => {
    const text = '{"config":{"size":7.8e1},"layers":[{"size":78.0},{"a":1,"size":-0}],"size":1E2}';
    const { numbers, tooDeep } = scanJson(text, all);
    assert.equal(tooDeep, false);
    assert.deepEqual(Object.fromEntries(numbers), {
      'config.size': '7.8e1',
      'layers[0].size': '78.0',
      'layers[1].a': '1',
      'layers[1].size': '-0',
      size: '1E2',
    });
  });

  it('reads keys as JSON.parse does, and is not fooled by brackets, quotes or escapes in strings', () => {
    const text = '{"s":"{[\\"]}\\\\","\\u0073ize":5,"x":["]",{"size":"7"},{"size":6}]}';
    assert.deepEqual(JSON.parse(text).size, 5);
    assert.deepEqual(Object.fromEntries(scanJson(text, all).numbers), { size: '5', 'x[2].size': '6' });
    assert.equal(scanJson(text, { maxDepth: 2, keep: () => true }).tooDeep, true);
    assert.equal(scanJson(text, { maxDepth: 3, keep: () => true }).tooDeep, false);
  });

  it('a repeated key keeps the last value, as JSON.parse does', () => {
    const text = '{"config":{"size":1.5},"config":{"size":2}}';
    assert.equal(scanJson(text, all).numbers.get('config.size'), '2');
  });

  it("passes keep the key (or index) and the depth of the number's container", () => {
    const seen: Array<[string | number, number]> = [];
    scanJson('{"a":1,"b":[2,{"c":3}]}', { maxDepth: 10, keep: (key, depth) => (seen.push([key, depth]), false) });
    assert.deepEqual(seen, [
      ['a', 1],
      [0, 2],
      ['c', 3],
    ]);
  });

  it('counts the depth of nesting exactly (root = 1)', () => {
    for (const depth of [1, 2, 9_999, 10_000, 10_001]) {
      const text = `${'['.repeat(depth)}${']'.repeat(depth)}`;
      assert.equal(scanJson(text, { maxDepth: 10_000, keep: () => false }).tooDeep, depth > 10_000, String(depth));
    }
  });

  it('on any JSON text: the numbers JSON.parse reads, at the same paths, and the same depth', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 6 }), fc.constantFrom(undefined, 2), (value, indent) => {
        const text = JSON.stringify(value, null, indent);
        const parsed: unknown = JSON.parse(text);
        const found = scanJson(text, all).numbers;
        const expected = numbersOf(parsed);
        assert.deepEqual([...found.keys()].sort(), [...expected.keys()].sort());
        for (const [path, number] of expected) assert.ok(Object.is(Number(found.get(path)), number) || Number(found.get(path)) === number, path);
        const depth = depthOf(parsed);
        assert.equal(scanJson(text, { maxDepth: depth, keep: () => false }).tooDeep, false);
        if (depth > 0) assert.equal(scanJson(text, { maxDepth: depth - 1, keep: () => false }).tooDeep, true);
      }),
      { numRuns: 1000 },
    );
  });

  it('on arbitrary text: returns, never throws', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 300 }), (text) => {
        scanJson(text, all);
      }),
      { numRuns: 2000 },
    );
  });
});
