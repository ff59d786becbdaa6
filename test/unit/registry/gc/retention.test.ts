import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { compileRetention, type RetentionRule, type RetentionTag } from '../../../../src/registry/gc/index.js';

const NOW = new Date('2026-06-01T00:00:00Z');
const HOUR = 3_600_000;
const DIGEST = (n: number) => `sha256:${n.toString(16).padStart(64, '0')}`;

/** Tags pushed `hoursAgo` before NOW, each with its own digest. */
function tags(spec: Record<string, number>): RetentionTag[] {
  return Object.entries(spec).map(([tag, hoursAgo], i) => ({ tag, digest: DIGEST(i + 1), pushedAt: new Date(NOW.getTime() - hoursAgo * HOUR) }));
}

const removed = (rules: RetentionRule[], repo: string, list: RetentionTag[]) =>
  compileRetention(rules)
    .planTags(repo, list, NOW)
    .remove.map((r) => r.tag);

// v3 newest … old oldest: a repository's history, one tag per push.
const HISTORY = tags({ v3: 1, v2: 50, 'v1-rc': 100, v1: 200, latest: 2, old: 1000 });

describe('retention matrix: each condition alone', () => {
  const cases: Array<[string, Omit<RetentionRule, 'repositories'>, string[]]> = [
    ['keepLast 2 keeps the two newest', { keepLast: 2 }, ['v2', 'v1-rc', 'v1', 'old']],
    ['keepLast 0 keeps none by count', { keepLast: 0 }, ['v3', 'latest', 'v2', 'v1-rc', 'v1', 'old']],
    ['keepLast beyond the count keeps all', { keepLast: 100 }, []],
    ['olderThan 72h deletes what is 72h old or more', { olderThanMs: 72 * HOUR }, ['v1-rc', 'v1', 'old']],
    ['olderThan exactly the age deletes it (kept only when younger)', { olderThanMs: 50 * HOUR }, ['v2', 'v1-rc', 'v1', 'old']],
    ['olderThan 0 keeps none by age', { olderThanMs: 0 }, ['v3', 'latest', 'v2', 'v1-rc', 'v1', 'old']],
    ['keep regex is unanchored (RegExp.test)', { keep: 'v1' }, ['v3', 'latest', 'v2', 'old']],
    ['keep regex anchored by the user', { keep: '^v1$' }, ['v3', 'latest', 'v2', 'v1-rc', 'old']],
    ['keep regex is case-sensitive', { keep: 'LATEST' }, ['v3', 'latest', 'v2', 'v1-rc', 'v1', 'old']],
  ];
  for (const [name, rule, expected] of cases) {
    it(name, () => assert.deepEqual(removed([{ repositories: ['app'], ...rule }], 'app', HISTORY), expected));
  }
});

describe('retention matrix: combinations', () => {
  const cases: Array<[string, Omit<RetentionRule, 'repositories'>, string[]]> = [
    ['protect beats keepLast 0', { keepLast: 0, protect: '^latest$' }, ['v3', 'v2', 'v1-rc', 'v1', 'old']],
    ['protect beats olderThan', { olderThanMs: 0, protect: '^old$' }, ['v3', 'latest', 'v2', 'v1-rc', 'v1']],
    ['protect and keep both keep', { keepLast: 0, keep: '^v1', protect: '^old$' }, ['v3', 'latest', 'v2']],
    ['keepLast OR olderThan: kept when either holds', { keepLast: 1, olderThanMs: 60 * HOUR }, ['v1-rc', 'v1', 'old']],
    ['keepLast OR olderThan: count reaches beyond the age', { keepLast: 5, olderThanMs: 1 }, ['old']],
    ['keep OR keepLast', { keepLast: 2, keep: '^old$' }, ['v2', 'v1-rc', 'v1']],
    ['keep OR olderThan', { olderThanMs: 72 * HOUR, keep: 'rc' }, ['v1', 'old']],
    ['keep OR keepLast OR olderThan', { keepLast: 1, olderThanMs: 24 * HOUR, keep: '^v1$' }, ['v2', 'v1-rc', 'old']],
  ];
  for (const [name, rule, expected] of cases) {
    it(name, () => assert.deepEqual(removed([{ repositories: ['app'], ...rule }], 'app', HISTORY), expected));
  }

  it('keepLast counts protected and kept tags too (rank among all tags of the repository)', () => {
    // latest is the second newest: with keepLast 2 and latest protected, v2 is third and goes.
    assert.deepEqual(removed([{ repositories: ['app'], keepLast: 2, protect: '^latest$' }], 'app', HISTORY), ['v2', 'v1-rc', 'v1', 'old']);
  });
});

describe('retention matrix: rules and repositories', () => {
  const rules: RetentionRule[] = [
    { repositories: ['team/keepall'], keepLast: 100 },
    { repositories: ['team/*'], keepLast: 1 },
    { repositories: ['**'], olderThanMs: 72 * HOUR },
  ];
  it('the first matching rule applies, later ones are not consulted', () => {
    assert.deepEqual(removed(rules, 'team/keepall', HISTORY), []);
    assert.deepEqual(removed(rules, 'team/app', HISTORY), ['latest', 'v2', 'v1-rc', 'v1', 'old']);
    assert.deepEqual(removed(rules, 'team/a/b', HISTORY), ['v1-rc', 'v1', 'old']);
  });
  it('ruleFor names the rule by index', () => {
    const compiled = compileRetention(rules);
    assert.equal(compiled.ruleFor('team/app')?.index, 1);
    assert.equal(compiled.ruleFor('team/keepall')?.index, 0);
    assert.equal(compiled.ruleFor('other')?.index, 2);
  });
  it('no matching rule removes nothing and keeps every tag', () => {
    const plan = compileRetention([{ repositories: ['team/*'], keepLast: 0 }]).planTags('other/app', HISTORY, NOW);
    assert.deepEqual(plan.remove, []);
    assert.deepEqual(plan.keep, ['v3', 'latest', 'v2', 'v1-rc', 'v1', 'old']);
  });
  it('no rules at all removes nothing', () => {
    assert.deepEqual(removed([], 'app', HISTORY), []);
    assert.equal(compileRetention([]).ruleFor('app'), undefined);
  });
  it('a rule with several globs matches any of them', () => {
    assert.deepEqual(removed([{ repositories: ['x', 'app'], keepLast: 5 }], 'app', HISTORY), ['old']);
  });
});

describe('retention: order, ties and reasons', () => {
  it('equal push times rank by tag name, so keepLast is deterministic', () => {
    const same = tags({ c: 5, a: 5, b: 5, d: 1 });
    const plan = compileRetention([{ repositories: ['app'], keepLast: 2 }]).planTags('app', same, NOW);
    assert.deepEqual(plan.keep, ['d', 'a']);
    assert.deepEqual(
      plan.remove.map((r) => r.tag),
      ['b', 'c'],
    );
  });
  it('a removal carries the digest and says why it goes, naming the rule', () => {
    const plan = compileRetention([{ repositories: ['team/*'], keepLast: 10, olderThanMs: 720 * HOUR }]).planTags(
      'team/app',
      tags({ ...Object.fromEntries(Array.from({ length: 12 }, (_, i) => [`t${i}`, 1000 + i])) }),
      NOW,
    );
    assert.deepEqual(plan.remove, [
      { tag: 't10', digest: DIGEST(11), reason: 'beyond the 10 most recent and older than 720h (rule 0: team/*)' },
      { tag: 't11', digest: DIGEST(12), reason: 'beyond the 10 most recent and older than 720h (rule 0: team/*)' },
    ]);
  });
  it('reasons for keep and keepLast 0', () => {
    const plan = compileRetention([{ repositories: ['a', 'b'], keepLast: 0, keep: '^v' }]).planTags('b', tags({ x: 1 }), NOW);
    assert.equal(plan.remove[0]?.reason, 'keeplast is 0 and not matching keep /^v/ (rule 0: a, b)');
    const age = compileRetention([{ repositories: ['a'], olderThanMs: 90 * 60_000 }]).planTags('a', tags({ x: 2 }), NOW);
    assert.equal(age.remove[0]?.reason, 'older than 90m (rule 0: a)');
  });
  it('an invalid push time counts as just pushed (kept by age, ranked newest)', () => {
    const list = [...tags({ a: 100, b: 200 }), { tag: 'z', digest: DIGEST(9), pushedAt: new Date(Number.NaN) }];
    const plan = compileRetention([{ repositories: ['app'], keepLast: 1, olderThanMs: HOUR }]).planTags('app', list, NOW);
    assert.deepEqual(plan.keep, ['z']);
  });
});

describe('compileRetention: invalid rules', () => {
  it('an invalid keep regex names the rule index and field', () => {
    assert.throws(
      () =>
        compileRetention([
          { repositories: ['a'], keepLast: 1 },
          { repositories: ['b'], keep: '(' },
        ]),
      {
        code: 'CONFIG_INVALID',
        message: /retention\[1\]\.keep: invalid regular expression "\("/,
      },
    );
  });
  it('an invalid protect regex names the field', () => {
    assert.throws(() => compileRetention([{ repositories: ['a'], keepLast: 1, protect: '[' }]), { code: 'CONFIG_INVALID', message: /retention\[0\]\.protect/ });
  });
  it('an invalid repository glob names the rule and pattern position', () => {
    assert.throws(() => compileRetention([{ repositories: ['ok', 'Bad Name'], keepLast: 1 }]), {
      code: 'CONFIG_INVALID',
      message: /retention\[0\]\.repositories\[1\]/,
    });
  });
});

// ---------------------------------------------------------------------------
// Properties: the plan against a direct reading of the semantics in retention-rules.ts.

const tagName = fc.stringMatching(/^[a-z0-9][a-z0-9._-]{0,8}$/);
const tagList = fc.uniqueArray(fc.record({ tag: tagName, hoursAgo: fc.integer({ min: -5, max: 2000 }) }), { selector: (t) => t.tag, maxLength: 30 });
const ruleBody = fc.record(
  {
    keepLast: fc.integer({ min: 0, max: 12 }),
    olderThanMs: fc.integer({ min: 0, max: 2000 }).map((h) => h * HOUR),
    keep: fc.constantFrom('^v', 'rc', '^[0-9]', 'x$', '.'),
    protect: fc.constantFrom('^latest$', 'prod', '^[a-c]'),
  },
  { requiredKeys: [] },
);
const toTags = (list: Array<{ tag: string; hoursAgo: number }>) =>
  list.map((t, i) => ({ tag: t.tag, digest: DIGEST(i + 1), pushedAt: new Date(NOW.getTime() - t.hoursAgo * HOUR) }));

describe('retention properties', () => {
  it('keep and remove partition the tags, newest first, ties by name', () => {
    fc.assert(
      fc.property(tagList, ruleBody, (list, body) => {
        const input = toTags(list);
        const plan = compileRetention([{ repositories: ['app'], ...body }]).planTags('app', input, NOW);
        const all = [...plan.keep, ...plan.remove.map((r) => r.tag)];
        assert.deepEqual([...all].sort(), input.map((t) => t.tag).sort());
        const order = [...input].sort((a, b) => b.pushedAt.getTime() - a.pushedAt.getTime() || (a.tag < b.tag ? -1 : a.tag > b.tag ? 1 : 0)).map((t) => t.tag);
        const rank = new Map(order.map((t, i) => [t, i]));
        const increasing = (xs: string[]) => xs.every((t, i) => i === 0 || (rank.get(xs[i - 1] ?? '') ?? 0) < (rank.get(t) ?? 0));
        assert.ok(increasing(plan.keep) && increasing(plan.remove.map((r) => r.tag)));
      }),
    );
  });

  it('a tag goes exactly when no condition of its rule keeps it', () => {
    fc.assert(
      fc.property(tagList, ruleBody, (list, body) => {
        const input = toTags(list);
        const plan = compileRetention([{ repositories: ['app'], ...body }]).planTags('app', input, NOW);
        const order = [...input].sort((a, b) => b.pushedAt.getTime() - a.pushedAt.getTime() || (a.tag < b.tag ? -1 : 1));
        const gone = new Set(plan.remove.map((r) => r.tag));
        order.forEach((t, rank) => {
          const keptBy = [
            body.protect !== undefined && new RegExp(body.protect).test(t.tag),
            body.keep !== undefined && new RegExp(body.keep).test(t.tag),
            body.keepLast !== undefined && rank < body.keepLast,
            body.olderThanMs !== undefined && NOW.getTime() - t.pushedAt.getTime() < body.olderThanMs,
          ];
          assert.equal(gone.has(t.tag), !keptBy.some(Boolean), `${t.tag} rank ${rank}`);
        });
      }),
    );
  });

  it('the plan does not depend on the order tags are listed in', () => {
    fc.assert(
      fc.property(tagList, ruleBody, fc.integer(), (list, body, seed) => {
        const input = toTags(list);
        const shuffled = [...input].sort((a, b) => ((a.tag.charCodeAt(0) * seed) % 7) - ((b.tag.charCodeAt(0) * seed) % 7));
        const compiled = compileRetention([{ repositories: ['app'], ...body }]);
        assert.deepEqual(compiled.planTags('app', shuffled, NOW), compiled.planTags('app', input, NOW));
      }),
    );
  });

  it('protected tags are never removed; adding a condition never removes more', () => {
    fc.assert(
      fc.property(tagList, ruleBody, ruleBody, (list, body, extra) => {
        const input = toTags(list);
        const plan = compileRetention([{ repositories: ['app'], ...body }]).planTags('app', input, NOW);
        if (body.protect) for (const r of plan.remove) assert.ok(!new RegExp(body.protect).test(r.tag));
        // Conditions only keep: a rule with more of them removes a subset.
        const wider = compileRetention([{ repositories: ['app'], ...extra, ...body }]).planTags('app', input, NOW);
        const before = new Set(plan.remove.map((r) => r.tag));
        for (const r of wider.remove) assert.ok(before.has(r.tag), r.tag);
      }),
    );
  });
});
