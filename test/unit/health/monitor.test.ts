/**
 * The monitor: distribution's threshold (reported failing only after N failures in a row, one
 * success clears it), a deadline per run, one transition reported once, and the timers.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { HealthCheck } from '../../../src/registry/health/check.js';
import { type HealthChange, HealthMonitor } from '../../../src/registry/health/monitor.js';

/** A check whose runs fail or pass as the test says: `outcomes` is taken from the front, one per run. */
function scripted(name: string, outcomes: (string | undefined)[], options: Partial<HealthCheck> = {}): HealthCheck & { runs: number } {
  const check = {
    name,
    intervalMs: 60_000,
    threshold: 1,
    timeoutMs: 1_000,
    runs: 0,
    run: async () => {
      check.runs++;
      const error = outcomes.shift();
      if (error !== undefined) throw new Error(error);
    },
    ...options,
  };
  return check;
}

describe('HealthMonitor', () => {
  it('a threshold of 3 reports a check failing at the third failure in a row, and one success clears it', async () => {
    const check = scripted('backend', ['down 1', 'down 2', undefined, 'down 3', 'down 4', 'down 5', 'down 6', undefined], { threshold: 3 });
    const monitor = new HealthMonitor([check]);
    const seen: boolean[] = [];
    for (let i = 0; i < 8; i++) {
      await monitor.checkNow();
      seen.push(monitor.healthy());
    }
    // runs:      down1 down2 ok    down3 down4 down5  down6  ok
    assert.deepEqual(seen, [true, true, true, true, true, false, false, true]);
    assert.equal(check.runs, 8);
  });

  it('the status shows the latest error of a failing check, and nothing of a passing one', async () => {
    const failing = scripted('a', ['first', 'second']);
    const passing = scripted('b', [undefined, undefined]);
    const monitor = new HealthMonitor([failing, passing]);
    assert.deepEqual(monitor.status(), {});
    await monitor.checkNow();
    assert.deepEqual(monitor.status(), { a: 'first' });
    await monitor.checkNow();
    assert.deepEqual(monitor.status(), { a: 'second' });
    assert.equal(monitor.healthy(), false);
  });

  it('threshold 0 (distribution unset) reports the first failure', async () => {
    const monitor = new HealthMonitor([scripted('a', [undefined, 'down'], { threshold: 0 })]);
    await monitor.checkNow();
    assert.equal(monitor.healthy(), true, 'a passing check with threshold 0 is healthy');
    await monitor.checkNow();
    assert.deepEqual(monitor.status(), { a: 'down' });
  });

  it('a transition is told once, not at every failing run', async () => {
    const changes: HealthChange[] = [];
    const lines: string[] = [];
    const log = { info: (_: object, m: string) => void lines.push(`info ${m}`), error: (_: object, m: string) => void lines.push(`error ${m}`) };
    const monitor = new HealthMonitor([scripted('a', ['x', 'y', 'z', undefined, undefined])], { log, onChange: (c) => changes.push(c) });
    for (let i = 0; i < 5; i++) await monitor.checkNow();
    assert.deepEqual(changes, [
      { name: 'a', healthy: false, error: 'x' },
      { name: 'a', healthy: true },
    ]);
    assert.deepEqual(lines, ['error health check failing', 'info health check passing again']);
  });

  it('a run past its deadline fails the check; while it still hangs, the next run does not call the check again', async () => {
    let release!: () => void;
    let calls = 0;
    const check: HealthCheck = {
      name: 'hangs',
      intervalMs: 60_000,
      threshold: 1,
      timeoutMs: 50,
      run: () => {
        calls++;
        return calls === 1 ? new Promise<void>((resolve) => (release = resolve)) : Promise.resolve();
      },
    };
    const monitor = new HealthMonitor([check]);
    const started = Date.now();
    await monitor.checkNow();
    assert.ok(Date.now() - started < 1_000, 'the round ends at the deadline');
    assert.deepEqual(monitor.status(), { hangs: 'no answer within 50ms' });
    await monitor.checkNow();
    assert.equal(calls, 1, 'no second call while the first hangs');
    assert.match(monitor.status().hangs!, /^the previous check, started \d+ms ago, has not finished$/);
    release();
    await sleep(0);
    await monitor.checkNow();
    assert.equal(calls, 2);
    assert.deepEqual(monitor.status(), {});
  });

  it('the deadline aborts the signal the check was given', async () => {
    let signal: AbortSignal | undefined;
    const check: HealthCheck = {
      name: 'a',
      intervalMs: 60_000,
      threshold: 1,
      timeoutMs: 20,
      run: (s) => {
        signal = s;
        return new Promise((_, reject) => s.addEventListener('abort', () => reject(new Error('aborted'))));
      },
    };
    const monitor = new HealthMonitor([check]);
    await monitor.checkNow();
    assert.equal(signal?.aborted, true);
    assert.deepEqual(monitor.status(), { a: 'no answer within 20ms' });
  });

  it('start runs every check at once and then on its interval; stop ends the runs', async () => {
    const slow = scripted('slow', [], { intervalMs: 60_000 });
    const fast = scripted('fast', [], { intervalMs: 20 });
    const monitor = new HealthMonitor([slow, fast]);
    monitor.start();
    await sleep(150);
    monitor.stop();
    assert.equal(slow.runs, 1, 'the first run does not wait for the interval');
    const runs = fast.runs;
    assert.ok(runs >= 3, `ran ${runs} times in 150ms at a 20ms interval`);
    await sleep(60);
    assert.equal(fast.runs, runs, 'no run after stop');
  });

  it('a run cut short by stop is not counted as a failure', async () => {
    const check: HealthCheck = {
      name: 'a',
      intervalMs: 60_000,
      threshold: 1,
      timeoutMs: 5_000,
      // Ignores its signal, as a driver call that cannot be cancelled does.
      run: () => new Promise(() => undefined),
    };
    const monitor = new HealthMonitor([check]);
    monitor.start();
    const round = monitor.checkNow();
    await sleep(5);
    const stopped = Date.now();
    monitor.stop();
    await round;
    assert.ok(Date.now() - stopped < 1_000, 'the round ends at stop, not at the 5s deadline');
    assert.deepEqual(monitor.status(), {});
  });

  it('checkNow while a scheduled run is under way joins it rather than running the check twice', async () => {
    let calls = 0;
    let release!: () => void;
    const check: HealthCheck = {
      name: 'a',
      intervalMs: 60_000,
      threshold: 1,
      timeoutMs: 1_000,
      run: () => {
        calls++;
        return new Promise<void>((resolve) => (release = resolve));
      },
    };
    const monitor = new HealthMonitor([check]);
    monitor.start();
    const now = monitor.checkNow();
    await sleep(5);
    release();
    await now;
    monitor.stop();
    assert.equal(calls, 1);
  });

  it('two checks of one name are refused, as distribution refuses them', () => {
    assert.throws(() => new HealthMonitor([scripted('same', []), scripted('same', [])]), { code: 'CONFIG_INVALID', message: /same/ });
  });
});
