/** distribution's file check: failing while the file exists, passing once it is removed. */
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileCheck } from '../../../src/registry/health/file-check.js';
import { HealthMonitor } from '../../../src/registry/health/monitor.js';

describe('file check', () => {
  let dir: string;
  before(async () => (dir = await mkdtemp(join(tmpdir(), 'stowage-health-file-'))));
  after(async () => rm(dir, { recursive: true, force: true }));

  it('absent: healthy; created: failing, naming the file; removed: healthy again', async () => {
    const path = join(dir, 'drain');
    const check = fileCheck({ file: path });
    assert.equal(check.name, path);
    assert.equal(check.intervalMs, 10_000, "distribution's default interval");
    const monitor = new HealthMonitor([check]);
    await monitor.checkNow();
    assert.deepEqual(monitor.status(), {});
    await writeFile(path, '');
    await monitor.checkNow();
    const status = monitor.status();
    assert.deepEqual(Object.keys(status), [path]);
    assert.ok(status[path]!.includes(path), status[path]);
    assert.match(status[path]!, /exists/);
    await rm(path);
    await monitor.checkNow();
    assert.deepEqual(monitor.status(), {});
  });

  it('a directory at the path counts as existing, as os.Stat says it does', async () => {
    const check = fileCheck({ file: dir });
    await assert.rejects(check.run(new AbortController().signal), { message: new RegExp(`${dir} exists`) });
  });

  it('a path that cannot be looked at (a parent that is a file) fails rather than passes', async () => {
    const parent = join(dir, 'plain');
    await writeFile(parent, '');
    const check = fileCheck({ file: join(parent, 'drain') });
    await assert.rejects(check.run(new AbortController().signal), { message: /cannot tell whether .*plain\/drain exists: ENOTDIR/ });
  });
});
