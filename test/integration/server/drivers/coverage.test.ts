/**
 * Every registered storage driver (src/storage/drivers.ts) runs the API suites: the filesystem
 * driver by the suites themselves, every other one by the wrappers beside this file.
 */
import assert from 'node:assert/strict';
import { readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { loadServeConfig } from '../../../../src/config/serve-config.js';
import { DRIVER_NAMES } from '../../../../src/storage/drivers.js';
import { makeTempDir, removeTempDirs } from '../../../support/process.js';
import { TEST_DRIVERS } from '../../../support/registry.js';

/** The suites that drive the storage API hardest; `conformance` runs `stowage serve`, the others the Registry in-process. */
const SUITES = ['conformance', 'blobs', 'uploads', 'manifests', 'manifest-validation', 'tags-catalog', 'referrers', 'base', 'concurrency'];
const HERE = fileURLToPath(new URL('.', import.meta.url));

after(() => removeTempDirs());

describe('API suites per storage driver', () => {
  it('has test wiring for every registered driver', () => {
    assert.deepEqual(Object.keys(TEST_DRIVERS).sort(), [...DRIVER_NAMES].sort());
  });

  it('runs each suite once per driver other than filesystem', async () => {
    const files = new Set(await readdir(HERE));
    const missing = DRIVER_NAMES.filter((name) => name !== 'filesystem').flatMap((name) =>
      SUITES.map((suite) => `${name}-${suite}.test.js`).filter((file) => !files.has(file)),
    );
    assert.deepEqual(missing, []);
  });

  it('the conformance wrapper really moves `stowage serve` off the filesystem driver', async () => {
    const dir = await makeTempDir('stowage-driver-env-');
    const config = join(dir, 'config.yml');
    await writeFile(config, `version: 0.1\nstorage:\n  filesystem:\n    rootdirectory: ${JSON.stringify(join(dir, 'data'))}\n  delete:\n    enabled: true\n`);
    const env = { REGISTRY_STORAGE: '{inmemory: {}, delete: {enabled: true}}' };
    const resolved = await loadServeConfig(config, {}, env);
    assert.deepEqual([resolved.storage, resolved.deleteEnabled], [{ kind: 'inmemory' }, true]);
  });
});
