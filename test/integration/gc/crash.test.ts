/**
 * SIGKILL at chosen points of a collection (several seeds, each a different operation to die
 * before): afterwards every tag still pulls complete, and the next run completes with exactly
 * the result of a run that was never interrupted.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { cp, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { collectGarbage } from '../../../src/registry/gc/index.js';
import { FilesystemDriver } from '../../../src/storage/fs/driver.js';
import { age, blobsOnDisk, pullComplete, quarantined } from '../../support/gc.js';
import { startRegistry } from '../../support/registry.js';
import { buildIndex, newClient, pushBlob, pushImage, pushManifest, randomBlob } from '../../support/registry-images.js';

const run = promisify(execFile);
const CHILD = fileURLToPath(new URL('../../support/gc-child.js', import.meta.url));
const OPTIONS = { graceMs: 0, untagged: { delete: true, ageMs: 0 } };
const SEEDS = [1, 2, 3, 5, 8, 13];

let base: string;
let tags: Array<{ repo: string; tag: string }> = [];
let expected: Set<string>;
let operations: number;

/** What the test pushes: per repository tagged images, a re-tag, a deleted manifest, an index, a referrer, stray blobs. */
async function populate(root: string): Promise<Array<{ repo: string; tag: string }>> {
  const reg = await startRegistry({ root });
  const c = newClient(reg.url);
  const made: Array<{ repo: string; tag: string }> = [];
  try {
    for (let i = 0; i < 4; i++) {
      const repo = `crash/repo${i}`;
      const app = await pushImage(c, repo, 'app');
      await pushImage(c, repo, 'latest');
      await pushImage(c, repo, 'latest'); // the first latest is now untagged
      const doomed = await pushImage(c, repo, 'doomed');
      assert.equal((await c.delete(`/v2/${repo}/manifests/${doomed.digest}`)).status, 202);
      const child = await pushImage(c, repo, undefined, { layers: 1 });
      await pushManifest(c, repo, buildIndex([child.descriptor]), 'multi');
      await pushImage(c, repo, undefined, { subject: app.descriptor, artifactType: 'application/vnd.example.sig' });
      await pushBlob(c, repo, randomBlob(200));
      made.push({ repo, tag: 'app' }, { repo, tag: 'latest' }, { repo, tag: 'multi' });
    }
  } finally {
    await reg.close();
  }
  return made;
}

async function checkPulls(root: string): Promise<void> {
  const reg = await startRegistry({ root });
  try {
    const c = newClient(reg.url);
    for (const { repo, tag } of tags) await pullComplete(c, repo, tag);
  } finally {
    await reg.close();
  }
}

async function copyOf(name: string): Promise<string> {
  const root = await mkdtemp(join(tmpdir(), `stowage-gc-crash-${name}-`));
  await cp(base, root, { recursive: true, preserveTimestamps: true });
  return root;
}

before(async () => {
  base = await mkdtemp(join(tmpdir(), 'stowage-gc-crash-base-'));
  tags = await populate(base);
  await age(base, 2 * 3600_000);
  const reference = await copyOf('reference');
  const { stdout } = await run(process.execPath, [CHILD, reference, '0']);
  operations = Number(stdout.trim());
  expected = await blobsOnDisk(reference);
  await rm(reference, { recursive: true, force: true });
});
after(async () => {
  await rm(base, { recursive: true, force: true });
});

describe('a collection killed with SIGKILL', () => {
  test('the uninterrupted run has work to do', () => {
    assert.ok(operations > 20, `moves and deletes of a full run: ${operations}`);
  });

  for (const seed of SEEDS) {
    test(`seed ${seed}: killed before one of its moves or deletes, nothing referenced is lost and the next run completes`, async () => {
      const root = await copyOf(`seed${seed}`);
      try {
        const at = 1 + Math.floor((((seed * 7919) % 997) / 997) * operations);
        const killed = await run(process.execPath, [CHILD, root, String(at)]).then(
          () => false,
          (err: { signal?: string }) => err.signal === 'SIGKILL',
        );
        assert.ok(killed, `the child died at operation ${at} of ${operations}`);
        await checkPulls(root);
        await collectGarbage(new FilesystemDriver(root), OPTIONS);
        assert.deepEqual(await quarantined(root), [], 'the next run settles what the killed one left aside');
        assert.deepEqual([...(await blobsOnDisk(root))].sort(), [...expected].sort(), 'the same blobs remain as after an uninterrupted run');
        await checkPulls(root);
      } finally {
        await rm(root, { recursive: true, force: true });
      }
    });
  }
});
