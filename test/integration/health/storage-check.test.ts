/**
 * The storage check on real drivers. distribution's check only Stats `/`, which a storage
 * that can no longer be written still answers; Stowage's writes a probe, so these fail it:
 * the filesystem driver's root replaced by a file (every write ENOTDIR, while `/` still
 * stats), and the same root on a tmpfs remounted read-only (EROFS: what a disk does after I/O
 * errors; root ignores permission bits, not a read-only mount). Each is undone and the check
 * recovers. A driver whose writes throw or hang, wrapped around the in-memory one, likewise.
 */
import assert from 'node:assert/strict';
import { mkdtemp, readdir, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { HealthMonitor } from '../../../src/registry/health/monitor.js';
import { PROBE_DIR, storageCheck } from '../../../src/registry/health/storage-check.js';
import type { StorageDriver } from '../../../src/storage/driver.js';
import { openDriver } from '../../../src/storage/drivers.js';
import { MemoryDriver } from '../../../src/storage/memory/driver.js';
import { runOk } from '../../support/process.js';
import { mountTmpfs, type Tmpfs } from '../../support/tmpfs.js';

const NAME = 'storagedriver_filesystem';

describe('storage check on the filesystem driver', () => {
  let dir: string;
  before(async () => (dir = await mkdtemp(join(tmpdir(), 'stowage-health-storage-'))));
  after(async () => rm(dir, { recursive: true, force: true }));

  it('healthy, and the probe leaves no file behind', async () => {
    const root = join(dir, 'healthy');
    const driver = await openDriver({ kind: 'filesystem', rootDirectory: root });
    const monitor = new HealthMonitor([storageCheck(driver)]);
    await monitor.checkNow();
    await monitor.checkNow();
    assert.deepEqual(monitor.status(), {});
    assert.deepEqual(await readdir(join(root, PROBE_DIR)), [], 'the probe file is deleted after each run');
  });

  it('a root that does not exist yet is not a failure (distribution passes it too); the probe creates it as a push would', async () => {
    const root = join(dir, 'absent');
    const driver = await openDriver({ kind: 'filesystem', rootDirectory: root });
    await rm(root, { recursive: true });
    const monitor = new HealthMonitor([storageCheck(driver)]);
    await monitor.checkNow();
    assert.deepEqual(monitor.status(), {});
    const readOnly = new HealthMonitor([storageCheck(driver, { readOnly: true })]);
    await rm(root, { recursive: true });
    await readOnly.checkNow();
    assert.deepEqual(readOnly.status(), {}, 'PATH_NOT_FOUND on / is a backend that answers');
  });

  it('root replaced by a file: failing with the cause (where a Stat of / still passes), recovered once the directory is back', async () => {
    const root = join(dir, 'replaced');
    const driver = await openDriver({ kind: 'filesystem', rootDirectory: root });
    const monitor = new HealthMonitor([storageCheck(driver)]);
    const statOnly = new HealthMonitor([storageCheck(driver, { readOnly: true })]);
    await monitor.checkNow();
    assert.equal(monitor.healthy(), true);

    await rename(root, `${root}.aside`);
    await writeFile(root, 'not a directory');
    await Promise.all([monitor.checkNow(), statOnly.checkNow()]);
    assert.match(monitor.status()[NAME] ?? '', /^storage cannot be written: ENOTDIR: not a directory/);
    assert.equal(statOnly.healthy(), true, "distribution's check (Stat /) does not see it");

    await rm(root);
    await rename(`${root}.aside`, root);
    await monitor.checkNow();
    assert.deepEqual(monitor.status(), {});
  });

  describe('on a tmpfs remounted read-only', () => {
    let fs: Tmpfs;
    before(async () => (fs = await mountTmpfs(4 << 20)));
    after(async () => {
      await runOk('mount', ['-o', 'remount,rw', fs.dir]);
      await fs.unmount();
    });

    it('failing with EROFS while read-only; recovered when writable again', async () => {
      const driver = await openDriver({ kind: 'filesystem', rootDirectory: fs.dir });
      const changes: boolean[] = [];
      const monitor = new HealthMonitor([storageCheck(driver)], { onChange: (change) => changes.push(change.healthy) });
      await monitor.checkNow();
      assert.deepEqual(monitor.status(), {});

      await runOk('mount', ['-o', 'remount,ro', fs.dir]);
      await monitor.checkNow();
      assert.match(monitor.status()[NAME] ?? '', /^storage cannot be written: EROFS: read-only file system/);

      await runOk('mount', ['-o', 'remount,rw', fs.dir]);
      await monitor.checkNow();
      assert.deepEqual(monitor.status(), {});
      assert.deepEqual(changes, [false, true], 'one transition each way');
    });

    it('a threshold of 2 reports the read-only mount at the second run only', async () => {
      const driver = await openDriver({ kind: 'filesystem', rootDirectory: fs.dir });
      const monitor = new HealthMonitor([storageCheck(driver, { threshold: 2 })]);
      await runOk('mount', ['-o', 'remount,ro', fs.dir]);
      try {
        await monitor.checkNow();
        assert.equal(monitor.healthy(), true);
        await monitor.checkNow();
        assert.equal(monitor.healthy(), false);
      } finally {
        await runOk('mount', ['-o', 'remount,rw', fs.dir]);
      }
      await monitor.checkNow();
      assert.equal(monitor.healthy(), true);
    });
  });
});

/** The in-memory driver, its writes made to throw or to hang while `mode` says so. */
function faultyMemory(): { driver: StorageDriver; mode: 'ok' | 'throw' | 'hang'; release: () => void } {
  const inner = new MemoryDriver();
  const hung: (() => void)[] = [];
  const control = {
    mode: 'ok' as 'ok' | 'throw' | 'hang',
    release: () => {
      for (const resume of hung.splice(0)) resume();
    },
    driver: new Proxy(inner, {
      get(target, key, receiver) {
        const value = Reflect.get(target, key, receiver);
        if (key !== 'putContent') return typeof value === 'function' ? value.bind(target) : value;
        return async (...args: Parameters<StorageDriver['putContent']>) => {
          if (control.mode === 'throw') throw new Error('simulated: the bucket refuses PutObject (AccessDenied)');
          if (control.mode === 'hang') await new Promise<void>((resume) => hung.push(resume));
          return target.putContent(...args);
        };
      },
    }) as StorageDriver,
  };
  return control;
}

describe('storage check on a driver whose writes fail', () => {
  it('writes that throw: failing with the error; writes that work again: recovered', async () => {
    const faulty = faultyMemory();
    const monitor = new HealthMonitor([storageCheck(faulty.driver)]);
    await monitor.checkNow();
    assert.deepEqual(monitor.status(), {});
    faulty.mode = 'throw';
    await monitor.checkNow();
    assert.deepEqual(monitor.status(), { storagedriver_inmemory: 'storage cannot be written: simulated: the bucket refuses PutObject (AccessDenied)' });
    faulty.mode = 'ok';
    await monitor.checkNow();
    assert.deepEqual(monitor.status(), {});
  });

  it('writes that hang: failing at the deadline, no second write piled on the hung one, recovered once it returns', async () => {
    const faulty = faultyMemory();
    const monitor = new HealthMonitor([storageCheck(faulty.driver, { intervalMs: 100 })]);
    faulty.mode = 'hang';
    await monitor.checkNow();
    assert.deepEqual(monitor.status(), { storagedriver_inmemory: 'no answer within 100ms' });
    await monitor.checkNow();
    assert.match(monitor.status().storagedriver_inmemory ?? '', /^the previous check, started \d+ms ago, has not finished$/);
    faulty.mode = 'ok';
    faulty.release();
    await new Promise((resolve) => setImmediate(resolve));
    await monitor.checkNow();
    assert.deepEqual(monitor.status(), {});
  });

  it('a backend that returns other bytes than were written fails the check', async () => {
    const inner = new MemoryDriver();
    const stale = new Proxy(inner, {
      get(target, key, receiver) {
        if (key === 'getContent') return async () => Buffer.from('an older probe');
        const value = Reflect.get(target, key, receiver);
        return typeof value === 'function' ? value.bind(target) : value;
      },
    }) as StorageDriver;
    const monitor = new HealthMonitor([storageCheck(stale)]);
    await monitor.checkNow();
    assert.match(monitor.status().storagedriver_inmemory ?? '', /^storage returned other bytes than were written/);
  });
});
