/**
 * The server's collector runner (src/registry/server/gc-schedule.ts), with a fake collector:
 * the first scheduled run one interval after start, never two at once, a tick skipped while one
 * runs, one log line per run, GC_RUNNING logged as a skip, and stop() aborting a run and
 * waiting for it.
 */
import assert from 'node:assert/strict';
import { describe, it, mock } from 'node:test';
import { StowageError } from '../../../../src/errors/error.js';
import type { GcOptions, GcReport } from '../../../../src/registry/gc/index.js';
import { GcRunner, withOverrides } from '../../../../src/registry/server/gc-schedule.js';
import { MemoryDriver } from '../../../../src/storage/memory/driver.js';

function report(over: Partial<GcReport> = {}): GcReport {
  return {
    dryRun: false,
    startedAt: new Date(0).toISOString(),
    durationMs: 1200,
    repositories: 2,
    tags: { removed: 2, list: [] },
    manifests: { kept: 4, removed: 3 },
    blobs: { kept: 10, removed: 12, bytesFreed: 340_200_000, recent: 1 },
    layerLinks: { removed: 5 },
    ...over,
  };
}

/** A collector that stalls until released, recording what it was given. */
function stalling() {
  const calls: GcOptions[] = [];
  const releases: Array<(r: GcReport) => void> = [];
  const collect = async (_driver: unknown, options: GcOptions): Promise<GcReport> => {
    calls.push(options);
    return new Promise<GcReport>((resolve, reject) => {
      releases.push(resolve);
      options.signal?.addEventListener('abort', () => reject(new Error('aborted')), { once: true });
    });
  };
  return { calls, collect, release: (r = report()) => releases.shift()?.(r) };
}

function recordingLog() {
  const lines: Array<{ level: string; fields: Record<string, unknown>; message: string }> = [];
  return {
    lines,
    info: (fields: object, message: string) => void lines.push({ level: 'info', fields: fields as Record<string, unknown>, message }),
    error: (fields: object, message: string) => void lines.push({ level: 'error', fields: fields as Record<string, unknown>, message }),
  };
}

const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('garbage collection runner', () => {
  it('runs first one interval after start, then every interval, skipping ticks while a run is in progress', async (t) => {
    t.mock.timers.enable({ apis: ['setInterval'] });
    const fake = stalling();
    const log = recordingLog();
    const runner = new GcRunner({ driver: new MemoryDriver(), settings: { graceMs: 5 }, log, collect: fake.collect });
    runner.schedule(1000);
    t.mock.timers.tick(999);
    assert.equal(fake.calls.length, 0, 'nothing at start');
    t.mock.timers.tick(1);
    assert.equal(fake.calls.length, 1);
    assert.equal(fake.calls[0]?.graceMs, 5);
    assert.ok(fake.calls[0]?.signal instanceof AbortSignal);
    // Still running at the next two ticks: both skipped.
    t.mock.timers.tick(2000);
    assert.equal(fake.calls.length, 1);
    fake.release();
    await tick();
    assert.equal(runner.running, false);
    t.mock.timers.tick(1000);
    assert.equal(fake.calls.length, 2);
    fake.release();
    await tick();
    await runner.stop();
    t.mock.timers.tick(5000);
    assert.equal(fake.calls.length, 2, 'nothing after stop');
    const done = log.lines.filter((l) => l.message.startsWith('garbage collection removed'));
    assert.equal(done.length, 2);
    assert.deepEqual(done[0], {
      level: 'info',
      message: 'garbage collection removed 12 blobs (340200000 bytes), 3 manifests, 2 tags in 1.2s',
      fields: {
        trigger: 'schedule',
        dryRun: false,
        blobsRemoved: 12,
        bytesFreed: 340_200_000,
        blobsRecent: 1,
        manifestsRemoved: 3,
        tagsRemoved: 2,
        layerLinksRemoved: 5,
        durationMs: 1200,
      },
    });
  });

  it('refuses a second run while one runs (GC_RUNNING), and takes one again after', async () => {
    const fake = stalling();
    const runner = new GcRunner({ driver: new MemoryDriver(), collect: fake.collect });
    const first = runner.run('admin');
    await assert.rejects(runner.run('admin', { dryRun: true }), { code: 'GC_RUNNING' });
    assert.equal(fake.calls.length, 1);
    fake.release(report({ dryRun: false }));
    assert.equal((await first).blobs.removed, 12);
    const second = runner.run('admin', { dryRun: true });
    assert.equal(fake.calls[1]?.dryRun, true);
    fake.release(report({ dryRun: true }));
    assert.equal((await second).dryRun, true);
  });

  it('logs another process holding the lock as a skip, and a failure as an error', async () => {
    const log = recordingLog();
    let failure: Error = new StowageError('GC_RUNNING', 'another garbage collection is running on a replica of this database (process 7 on b, since …)');
    const runner = new GcRunner({ driver: new MemoryDriver(), log, collect: async () => Promise.reject(failure) });
    await assert.rejects(runner.run('schedule'), { code: 'GC_RUNNING' });
    failure = new Error('disk on fire');
    await assert.rejects(runner.run('admin'), /disk on fire/);
    assert.deepEqual(
      log.lines.map((l) => [l.level, l.message, l.fields.trigger]),
      [
        ['info', 'garbage collection skipped: another garbage collection is running on a replica of this database (process 7 on b, since …)', 'schedule'],
        ['error', 'garbage collection failed', 'admin'],
      ],
    );
  });

  it('stop() aborts a run in progress and resolves once it has stopped; no run starts after', async () => {
    const fake = stalling();
    const runner = new GcRunner({ driver: new MemoryDriver(), collect: fake.collect });
    const running = runner.run('admin');
    running.catch(() => undefined);
    const signal = fake.calls[0]?.signal;
    assert.equal(signal?.aborted, false);
    const order: string[] = [];
    running.catch(() => order.push('run ended'));
    await runner.stop().then(() => order.push('stopped'));
    assert.equal(signal?.aborted, true);
    assert.deepEqual(order, ['run ended', 'stopped']);
    await assert.rejects(runner.run('admin'), /shutting down/);
  });

  it('stop() waits for a collector that finishes its step before honouring the signal', async () => {
    let finish: (() => void) | undefined;
    const collect = mock.fn(
      (_d: unknown, _o: GcOptions): Promise<GcReport> =>
        new Promise((resolve) => {
          finish = () => resolve(report());
        }),
    );
    const runner = new GcRunner({ driver: new MemoryDriver(), collect });
    void runner.run('schedule');
    let stopped = false;
    const stopping = runner.stop().then(() => (stopped = true));
    await tick();
    assert.equal(stopped, false, 'still waiting for the run');
    finish?.();
    await stopping;
    assert.equal(stopped, true);
  });

  it("applies POST /admin/gc's overrides over the settings", () => {
    const settings = { graceMs: 10, dryRun: false, untagged: { delete: false, ageMs: 99 } };
    assert.deepEqual(withOverrides(settings, {}), settings);
    assert.deepEqual(withOverrides(settings, { dryRun: true, deleteUntagged: true }), { graceMs: 10, dryRun: true, untagged: { delete: true, ageMs: 99 } });
    assert.deepEqual(withOverrides({}, { deleteUntagged: true }), { untagged: { delete: true, ageMs: 168 * 3_600_000 } });
    assert.deepEqual(withOverrides({ untagged: { delete: true, ageMs: 5 } }, { deleteUntagged: false }), { untagged: { delete: false, ageMs: 5 } });
  });
});
