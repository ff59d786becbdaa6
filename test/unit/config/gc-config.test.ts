/**
 * storage.maintenance.gc and storage.maintenance.retention (src/config/gc-config.ts): read
 * strictly, durations in milliseconds, regexes and repository globs checked at start with the
 * key named, and what reaches the Registry (RegistryOptions.gc).
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { registryOptions } from '../../../src/config/registry-options.js';
import { loadServeConfig, type ServeConfig } from '../../../src/config/serve-config.js';

describe('garbage collection configuration', () => {
  let dir: string;
  before(async () => (dir = await mkdtemp(join(tmpdir(), 'stowage-gc-config-'))));
  after(async () => rm(dir, { recursive: true, force: true }));

  let n = 0;
  const load = async (maintenance: string, env: NodeJS.ProcessEnv = {}): Promise<ServeConfig> => {
    const path = join(dir, `c${n++}.yml`);
    await writeFile(path, `storage:\n  inmemory:\n  maintenance:\n${maintenance}`);
    return loadServeConfig(path, {}, env);
  };
  const refusal = async (maintenance: string): Promise<string> => {
    try {
      await load(maintenance);
    } catch (err) {
      const e = err as Error & { code?: string };
      assert.equal(e.code, 'CONFIG_INVALID', String(err));
      assert.ok(!e.message.includes('\n'), `one line: ${e.message}`);
      return e.message.replace(/^config file [^:]+: /, '');
    }
    throw new Error(`accepted:\n${maintenance}`);
  };

  it('defaults: no schedule, an hour of grace, untagged manifests kept, no retention', async () => {
    const config = await loadServeConfig(undefined, {}, {});
    assert.deepEqual(config.gc, { options: { graceMs: 3_600_000, dryRun: false, untagged: { delete: false, ageMs: 168 * 3_600_000 } } });
    // Without `enabled`, settings still apply (to POST /admin/gc and stowage registry gc), but nothing is scheduled.
    const unscheduled = await load('    gc:\n      grace: 10m\n      interval: 1h\n');
    assert.equal(unscheduled.gc.intervalMs, undefined);
    assert.equal(unscheduled.gc.options.graceMs, 600_000);
  });

  it('reads every key, durations as Go writes them or seconds', async () => {
    const config = await load(
      [
        '    gc:',
        '      enabled: true',
        '      interval: 6h',
        '      grace: 90s',
        '      dryrun: true',
        '      untagged:',
        '        delete: true',
        '        age: 72h',
        '    retention:',
        "      - repositories: ['team/**', app]",
        '        keeplast: 10',
        "        keep: '^v[0-9]+$'",
        '        olderthan: 720h',
        "        protect: '^release-'",
        "      - repositories: ['**']",
        '        olderthan: 3600',
        '',
      ].join('\n'),
    );
    assert.deepEqual(config.gc, {
      intervalMs: 6 * 3_600_000,
      options: {
        graceMs: 90_000,
        dryRun: true,
        untagged: { delete: true, ageMs: 72 * 3_600_000 },
        retention: [
          { repositories: ['team/**', 'app'], keepLast: 10, keep: '^v[0-9]+$', olderThanMs: 720 * 3_600_000, protect: '^release-' },
          { repositories: ['**'], olderThanMs: 3_600_000 },
        ],
      },
    });
    // …and reaches the Registry as it is.
    const options = await registryOptions(config, process.stderr);
    assert.deepEqual(options.gc, config.gc);
  });

  it('takes REGISTRY_STORAGE_MAINTENANCE_GC_* variables', async () => {
    const config = await load('    readonly:\n      enabled: false\n', {
      REGISTRY_STORAGE_MAINTENANCE_GC_ENABLED: 'true',
      REGISTRY_STORAGE_MAINTENANCE_GC_INTERVAL: '30m',
      REGISTRY_STORAGE_MAINTENANCE_GC_UNTAGGED_DELETE: 'true',
    });
    assert.equal(config.gc.intervalMs, 1_800_000);
    assert.equal(config.gc.options.untagged?.delete, true);
  });

  it('refuses misspelt keys and bad values, naming the key', async () => {
    const cases: Array<[string, string | RegExp]> = [
      ['    gc:\n      enabeld: true\n', 'unknown key storage.maintenance.gc.enabeld (did you mean storage.maintenance.gc.enabled?)'],
      [
        '    gc:\n      untagged:\n        delet: true\n',
        'unknown key storage.maintenance.gc.untagged.delet (did you mean storage.maintenance.gc.untagged.delete?)',
      ],
      ['    gc:\n      enabled: yes please\n', /^storage\.maintenance\.gc\.enabled: /],
      ['    gc:\n      grace: soon\n', 'storage.maintenance.gc.grace: invalid duration "soon"'],
      ['    gc:\n      enabled: true\n      interval: 0s\n', /^storage\.maintenance\.gc\.interval must be a positive whole number/],
      ['    gc:\n      interval: daily\n', 'storage.maintenance.gc.interval: invalid duration "daily"'],
      ['    gc:\n      untagged:\n        age: 3 days\n', 'storage.maintenance.gc.untagged.age: invalid duration "3 days"'],
      ["    retention:\n      - repositories: ['**']\n        keep: '^(v'\n", /^storage\.maintenance\.retention\[0\]\.keep: not a regular expression/],
      [
        "    retention:\n      - repositories: ['**']\n        keeplast: 1\n      - repositories: [a]\n        keeplast: 1\n        protect: '[z-a]'\n",
        /^storage\.maintenance\.retention\[1\]\.protect: not a regular expression/,
      ],
      [
        "    retention:\n      - repositories: [ok, 'Bad/*']\n        keeplast: 1\n",
        /^storage\.maintenance\.retention\[0\]\.repositories\[1\]: invalid repository pattern "Bad\/\*"/,
      ],
      ["    retention:\n      - repositories: ['**']\n        olderthan: a while\n", 'storage.maintenance.retention[0].olderthan: invalid duration "a while"'],
      // The rule schema (retention-rules.ts): protect alone would delete every other tag; a typo is no key.
      [
        "    retention:\n      - repositories: ['**']\n        protect: '^v'\n",
        /^storage\.maintenance\.retention\.0: a retention rule gives keeplast, olderthan or keep/,
      ],
      ["    retention:\n      - repositories: ['**']\n        keeplats: 3\n", /^storage\.maintenance\.retention\.0: .*keeplats/],
    ];
    for (const [text, expected] of cases) {
      const message = await refusal(text);
      if (typeof expected === 'string') assert.equal(message, expected, text);
      else assert.match(message, expected, text);
    }
  });

  it('schedules nothing on a read-only registry, with a warning', async () => {
    const config = await load('    readonly:\n      enabled: true\n    gc:\n      enabled: true\n');
    assert.equal(config.gc.intervalMs, undefined);
    assert.ok(
      config.warnings.includes('storage.maintenance.gc.enabled is ignored: the registry is read-only (storage.maintenance.readonly), so it collects nothing'),
      config.warnings.join('\n'),
    );
    const quiet = await load('    readonly:\n      enabled: true\n');
    assert.deepEqual(quiet.warnings, []);
  });
});
