import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { RegistryMetrics, instrumentDriver } from '../../../../src/registry/metrics/index.js';
import { FilesystemDriver } from '../../../../src/storage/fs/driver.js';
import { parseMetrics, sampleValue } from '../../../support/prometheus.js';
import { runDriverSuite } from '../../storage/driver-suite.js';

// The wrapper is a driver: the shared suite, on a real filesystem root, through it.
runDriverSuite('filesystem, instrumented', async () => {
  const root = await mkdtemp(join(tmpdir(), 'stowage-instrumented-'));
  return { driver: instrumentDriver(new FilesystemDriver(root), await RegistryMetrics.create()), cleanup: () => rm(root, { recursive: true, force: true }) };
});

describe('instrumentDriver', () => {
  it("times each call under distribution's action names and counts failures, a missing path not among them", async () => {
    const root = await mkdtemp(join(tmpdir(), 'stowage-instrumented-'));
    try {
      const metrics = await RegistryMetrics.create();
      const driver = instrumentDriver(new FilesystemDriver(root), metrics);
      assert.equal(driver.name, 'filesystem');
      await driver.putContent('/a/b', Buffer.from('x'));
      await driver.getContent('/a/b');
      await assert.rejects(driver.getContent('/a/missing'));
      await assert.rejects(driver.putContent('/a/b/c', Buffer.from('under a file')));
      const { samples } = parseMetrics((await metrics.exposition()).body);
      const timed = (action: string) => sampleValue(samples, 'registry_storage_action_seconds_count', { driver: 'filesystem', action });
      assert.deepEqual([timed('PutContent'), timed('GetContent')], [2, 2]);
      assert.equal(sampleValue(samples, 'registry_storage_errors_total', { action: 'GetContent' }), 0, 'a missing path is an answer');
      assert.equal(sampleValue(samples, 'registry_storage_errors_total', { action: 'PutContent' }), 1);
      assert.equal(sampleValue(samples, 'registry_storage_action_seconds_bucket', { action: 'PutContent', le: '+Inf' }), 2);
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });
});
