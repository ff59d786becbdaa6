// The v1.2 config synthesised for a legacy image is written with Go's encoding/json rules, so
// its digest (the IMAGE ID) is what docker 1.10's migration stored. Checked here against the
// rules themselves; no engine of that era runs here to compare with.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { goCompact, goString, marshalMap, rawMembers } from '../../../src/dockerroot/legacy/go-json.js';
import { goTime, v12Config } from '../../../src/dockerroot/legacy/v12-config.js';

describe('legacy config encoding', () => {
  it('splits top-level members raw, a later duplicate winning', () => {
    const members = rawMembers('{ "b" : [1, {"x": "}"}] ,"a":"q\\"}" , "b": {"k" : null} }');
    assert.deepEqual(
      [...members],
      [
        ['b', '{"k" : null}'],
        ['a', '"q\\"}"'],
      ],
    );
  });

  it('marshals like Go: keys sorted, values compacted, HTML characters escaped', () => {
    const text = marshalMap(
      new Map([
        ['z', '{ "cmd" : "a && b > c" }'],
        ['Size', '1'],
        ['a', '[ 1 , 2 ]'],
      ]),
    );
    assert.equal(text, '{"Size":1,"a":[1,2],"z":{"cmd":"a \\u0026\\u0026 b \\u003e c"}}');
    assert.equal(goCompact('"keep \\u003c and \\" escapes"'), '"keep \\u003c and \\" escapes"');
    assert.equal(goString('tab\tbell\bform\f<\u2028'), '"tab\\tbell\\u0008form\\u000c\\u003c\\u2028"');
  });

  it('writes times as Go re-marshals them', () => {
    assert.equal(goTime('2015-11-03T20:11:27.370000000Z'), '2015-11-03T20:11:27.37Z');
    assert.equal(goTime('2015-11-03T20:11:27.000000000+00:00'), '2015-11-03T20:11:27Z');
    assert.equal(goTime('2015-11-03T20:11:27.5-07:00'), '2015-11-03T20:11:27.5-07:00');
    assert.equal(goTime(undefined), '0001-01-01T00:00:00Z');
  });

  it('drops graph-only fields and adds rootfs and one history entry per layer', () => {
    const layer = (json: Record<string, unknown>) => ({ bytes: Buffer.from(JSON.stringify(json)), json });
    const chain = [
      layer({ id: 'a'.repeat(64), created: '2015-01-01T00:00:00Z', container_config: { Cmd: '/bin/sh -c old' }, Size: 3 }),
      layer({
        id: 'b'.repeat(64),
        parent: 'a'.repeat(64),
        parent_id: 'sha256:x',
        layer_id: 'sha256:y',
        throwaway: true,
        created: '2015-01-02T00:00:00Z',
        comment: 'c',
        os: 'linux',
        Size: 0,
      }),
    ];
    const config = v12Config(chain, ['sha256:1', 'sha256:2']).toString('utf8');
    assert.equal(
      config,
      '{"comment":"c","created":"2015-01-02T00:00:00Z",' +
        '"history":[{"created":"2015-01-01T00:00:00Z","created_by":"/bin/sh -c old"},{"created":"2015-01-02T00:00:00Z","comment":"c"}],' +
        '"os":"linux","rootfs":{"type":"layers","diff_ids":["sha256:1","sha256:2"]}}',
    );
    assert.throws(() => v12Config(chain, ['sha256:1']), RangeError);
  });
});
