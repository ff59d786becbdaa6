/** The wait between attempts: none below the threshold, then backoff doubling up to its ceiling, never giving up. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { retryDelay } from '../../../src/registry/notify/backoff.js';

test("below the threshold failures are retried at once, as distribution's breaker does", () => {
  for (let failures = 0; failures < 10; failures++) assert.equal(retryDelay(failures, 10, 1000), 0);
});

test('from the threshold on the wait starts at backoff and doubles, up to 30 backoffs', () => {
  assert.deepEqual(
    [10, 11, 12, 13, 14, 15, 16].map((f) => retryDelay(f, 10, 1000)),
    [1000, 2000, 4000, 8000, 16000, 30000, 30000],
  );
  // However long it has failed: still a finite wait, so it is retried for ever.
  assert.equal(retryDelay(1_000_000, 10, 1000), 30000);
});

test('the ceiling is 5 minutes for long backoffs, and never below backoff itself', () => {
  assert.equal(retryDelay(100, 1, 60_000), 300_000);
  assert.equal(retryDelay(100, 1, 600_000), 600_000);
});
