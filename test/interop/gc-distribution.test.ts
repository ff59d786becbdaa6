// Garbage collection, Stowage's and CNCF distribution's (docker-registry 2.8 `garbage-collect`),
// on the same data: offline, with no grace window and without deleting untagged manifests
// (distribution's default, no `-m`), both free exactly the same blobs; each one's result is
// served completely by the other, and distribution's GC finds nothing left to free after Stowage's.
// The data is bench/gc-data.ts's generated root (deleted and untagged manifests, layers shared
// across repositories, the same manifest in two repositories, orphan blobs).

import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { after, before, describe, it } from 'node:test';
import { blobSetDifference, blobsOnDisk, type GcRootSummary, writeDistributionGcConfig, writeGcRoot } from '../../bench/gc-data.js';
import { collectGarbage } from '../../src/registry/gc/index.js';
import { FilesystemDriver } from '../../src/storage/index.js';
import {
  DISTRIBUTION_BIN,
  makeTempDir,
  removeTempDirs,
  runOk,
  skopeo,
  startDistribution,
  startStowage,
  stopAll,
  type ServerHandle,
} from '../support/process.js';

const exec = promisify(execFile);

const ACCEPT = ['application/vnd.oci.image.manifest.v1+json', 'application/vnd.docker.distribution.manifest.v2+json'].join(', ');

/** Every tag of the generated root pulls completely from `server`: its manifest and every blob it names. */
async function assertEveryTagComplete(server: ServerHandle, tagged: string[]): Promise<void> {
  for (const ref of tagged) {
    const [repository, tag] = ref.split(':') as [string, string];
    const res = await fetch(`${server.url}/v2/${repository}/manifests/${tag}`, { headers: { accept: ACCEPT } });
    assert.equal(res.status, 200, `GET manifest ${ref}`);
    const manifest = (await res.json()) as { config: { digest: string }; layers: Array<{ digest: string }> };
    for (const { digest } of [manifest.config, ...manifest.layers]) {
      const head = await fetch(`${server.url}/v2/${repository}/blobs/${digest}`, { method: 'HEAD' });
      assert.equal(head.status, 200, `HEAD ${repository}@${digest} (of ${ref})`);
    }
  }
  // And one through a real client, which checks every digest as it copies.
  const out = join(await makeTempDir('gc-pull-'), 'image');
  await skopeo(['copy', '-q', '--src-tls-verify=false', `docker://${server.host}/${tagged[0]}`, `dir:${out}`]);
}

describe('garbage collection: Stowage and distribution on the same data', () => {
  let summary: GcRootSummary;
  let distributionCopy: string;
  let stowageCopy: string;
  /** Stowage's run, awaited by the tests that need it (so the distribution-only ones report on their own). */
  let stowageGc: Promise<unknown>;

  before(async () => {
    const original = join(await makeTempDir('gc-interop-'), 'root');
    summary = writeGcRoot({ root: original, repositories: 20, manifestsPerRepository: 10, seed: 'interop' });
    distributionCopy = join(await makeTempDir('gc-distribution-'), 'root');
    stowageCopy = join(await makeTempDir('gc-stowage-'), 'root');
    await exec('cp', ['-a', original, distributionCopy]);
    await exec('cp', ['-a', original, stowageCopy]);
    const config = join(distributionCopy, '..', 'config.yml');
    await writeDistributionGcConfig(config, distributionCopy);
    await runOk(DISTRIBUTION_BIN, ['garbage-collect', config]);
    stowageGc = collectGarbage(new FilesystemDriver(stowageCopy), { graceMs: 0 });
    stowageGc.catch(() => undefined); // reported by each test that awaits it
  });

  after(async () => {
    await stopAll();
    await removeTempDirs();
  });

  it('the generated root gives both something to free', () => {
    assert.ok(summary.deletedManifests > 0 && summary.untaggedManifests > 0 && summary.orphanBlobs > 0);
    assert.ok(summary.expected.size < summary.blobs);
    // distribution keeps what the generator says it keeps (the reference for the comparison below).
    assert.deepEqual(blobSetDifference(blobsOnDisk(distributionCopy), summary.expected), { onlyA: [], onlyB: [] });
  });

  it('both free exactly the same blobs', async () => {
    await stowageGc;
    const { onlyA, onlyB } = blobSetDifference(blobsOnDisk(stowageCopy), blobsOnDisk(distributionCopy));
    assert.deepEqual({ keptOnlyByStowage: onlyA, freedOnlyByStowage: onlyB }, { keptOnlyByStowage: [], freedOnlyByStowage: [] });
  });

  it("after Stowage's GC, distribution's garbage-collect finds nothing more to delete", async () => {
    await stowageGc;
    const config = join(stowageCopy, '..', 'config.yml');
    await writeDistributionGcConfig(config, stowageCopy);
    const dry = await runOk(DISTRIBUTION_BIN, ['garbage-collect', '--dry-run', config]);
    assert.match(dry.stdout, /\d+ blobs marked, 0 blobs and 0 manifests eligible for deletion/);
  });

  it("distribution serves every tag of Stowage's result completely", async () => {
    await stowageGc;
    const server = await startDistribution({ root: stowageCopy });
    try {
      await assertEveryTagComplete(server, summary.tagged);
    } finally {
      await server.stop();
    }
  });

  it("Stowage serves every tag of distribution's result completely", async () => {
    const server = await startStowage({ root: distributionCopy, args: ['--log-level', 'error'] });
    try {
      await assertEveryTagComplete(server, summary.tagged);
    } finally {
      await server.stop();
    }
  });
});
