/**
 * The server fuzzer (test/fuzz/fuzz-server.ts), in-process and short, so that CI runs it:
 * no 5xx, no hang, no leak, seeds intact, nothing outside the storage layout.
 * Longer runs: `node dist/test/fuzz/fuzz-server.js --seconds 120`.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatReport, isLoopbackUrl, runFuzz } from '../../fuzz/fuzz-server.js';

describe('registry fuzzer', () => {
  it('finds no violation in ~5 seconds of hostile traffic', async (t) => {
    const report = await runFuzz({ seconds: 5, concurrency: 12 });
    t.diagnostic(formatReport(report));
    assert.deepEqual(report.violations, [], formatReport(report));
    // It really ran: many requests, across every strategy.
    assert.ok(report.requests > 300, `only ${report.requests} requests`);
    for (const strategy of ['random', 'manifest-mutation', 'wrong-digest', 'content-range', 'body-framing', 'race', 'seed-read']) {
      assert.ok(report.statuses.has(strategy), `strategy ${strategy} never ran`);
    }
  });

  it('refuses to target anything but a loopback address', async () => {
    for (const url of ['http://127.0.0.1:5000', 'http://127.1.2.3:1', 'http://localhost:5000', 'http://[::1]:5000', 'https://127.0.0.1']) {
      assert.equal(isLoopbackUrl(url), true, url);
    }
    for (const url of [
      'http://10.0.0.1:5000',
      'http://registry.example.com',
      'http://127.0.0.1.nip.io',
      'http://128.0.0.1',
      'http://0.0.0.0:5000',
      'ftp://127.0.0.1',
      'http://user:pw@127.0.0.1',
      'http://[::ffff:10.0.0.1]',
      'not a url',
      'http://127.0.0.256',
    ]) {
      assert.equal(isLoopbackUrl(url), false, url);
    }
    await assert.rejects(runFuzz({ url: 'http://192.0.2.1:5000', seconds: 1 }), /refusing to fuzz/);
  });
});
