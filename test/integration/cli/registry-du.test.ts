/** `stowage registry du` through the real CLI, on a small data dir written by the registry store. */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { Digest } from '../../../src/digest/digest.js';
import { blobDataPath } from '../../../src/registry/store/paths.js';
import { RegistryStore } from '../../../src/registry/store/registry.js';
import type { UsageReport } from '../../../src/registry/usage/index.js';
import { FilesystemDriver } from '../../../src/storage/fs/driver.js';
import { STOWAGE_CLI } from '../../support/process.js';

const run = promisify(execFile);
const du = async (...args: string[]): Promise<string> =>
  (await run(process.execPath, [STOWAGE_CLI, 'registry', 'du', ...args], { timeout: 15_000, env: { ...process.env, REGISTRY_STORAGE: undefined } })).stdout;

describe('stowage registry du', () => {
  let dir: string;
  let config: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'stowage-du-cli-'));
    const driver = new FilesystemDriver(join(dir, 'data'));
    const store = new RegistryStore({ driver });
    const blob = async (size: number, seed: string): Promise<Digest> => {
      const bytes = Buffer.alloc(size, seed);
      await driver.putContent(blobDataPath(Digest.of(bytes)), bytes);
      return Digest.of(bytes);
    };
    const [base, app, web] = [await blob(1_500_000, 'b'), await blob(2_000, 'a'), await blob(30_000, 'w')];
    for (const digest of [base, app]) await store.repository('team/app').blobs.link(digest);
    for (const digest of [base, web]) await store.repository('web').blobs.link(digest);
    config = join(dir, 'config.yml');
    await writeFile(config, `version: 0.1\nstorage:\n  filesystem:\n    rootdirectory: ${join(dir, 'data')}\n`);
  });
  after(async () => rm(dir, { recursive: true, force: true }));

  it('prints a table per repository and a TOTAL line, in docker units', async () => {
    const expected = [
      'REPOSITORY               BLOBS     SIZE      UNIQUE    SHARED',
      'team/app                 2         1.502MB   2kB       1.5MB',
      'web                      2         1.53MB    30kB      1.5MB',
      'TOTAL (2 repositories)   3         1.532MB   32kB      1.5MB',
      '',
    ].join('\n');
    assert.equal(await du(config), expected);
    // Warm (from the index now): the same.
    assert.equal(await du(config), expected);
  });

  it('prints one repository, with --root instead of a config, and the report as JSON', async () => {
    assert.equal(
      await du('--root', join(dir, 'data'), 'web'),
      'REPOSITORY   BLOBS     SIZE      UNIQUE    SHARED\nweb          2         1.53MB    30kB      1.5MB\n',
    );
    const report = JSON.parse(await du(config, 'team/app', '--format', 'json')) as UsageReport;
    assert.deepEqual(report, {
      repositories: [{ name: 'team/app', blobs: 2, bytes: 1_502_000, uniqueBytes: 2_000, sharedBytes: 1_500_000 }],
      totals: { repositories: 2, blobs: 3, bytes: 1_532_000 },
    });
  });

  it('answers an unknown repository with one line and exit code 1', async () => {
    await assert.rejects(du(config, 'nope'), (err: { code: number; stderr: string }) => {
      assert.equal(err.code, 1);
      assert.equal(err.stderr, 'stowage: repository nope is not known to this registry\n');
      return true;
    });
  });
});
