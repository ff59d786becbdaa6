/**
 * Stowage's S3 driver and distribution 2.8's (docker-registry) share one bucket layout: a bucket
 * prefix written by one is served unchanged by the other, over a real Ceph RADOS Gateway
 * (test/support/ceph-rgw.ts). Pushes and pulls use skopeo; both servers run as their binaries.
 */
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import { type Rgw, startRgw } from '../support/ceph-rgw.js';
import { makeTempDir, removeTempDirs, type ServerHandle, startDistribution, startStowage, stopAll } from '../support/process.js';
import { type Fixtures, listTags, makeFixtures, pull, pullAndCompare, push, pushFixtures } from '../support/registry-fixtures.js';

let rgw: Rgw;
let bucket: string;

/** `stowage serve` on the bucket under `prefix`, with deletes on. */
async function stowageOn(prefix: string): Promise<ServerHandle> {
  const dir = await makeTempDir('stowage-s3-conf-');
  const config = join(dir, 'config.yml');
  await writeFile(config, `version: 0.1\nstorage:\n  ${rgw.yaml(bucket, prefix)}\n  delete:\n    enabled: true\n`);
  return startStowage({ config });
}

const distributionOn = (prefix: string): Promise<ServerHandle> => startDistribution({ root: '', storage: rgw.yaml(bucket, prefix), deleteEnabled: true });

/** Every key under a prefix, without the prefix. */
async function keysUnder(prefix: string): Promise<string[]> {
  const keys: string[] = [];
  let token: string | undefined;
  do {
    const page = await rgw.client().send(new ListObjectsV2Command({ Bucket: bucket, Prefix: `${prefix}/`, ContinuationToken: token }));
    for (const object of page.Contents ?? []) keys.push((object.Key ?? '').slice(prefix.length + 1));
    token = page.NextContinuationToken;
  } while (token);
  return keys.sort();
}

before(async () => {
  rgw = await startRgw();
  bucket = await rgw.createBucket();
});

after(async () => {
  await stopAll();
  await rgw?.stop();
  await removeTempDirs();
});

describe("distribution's S3 bucket layout", () => {
  describe('distribution writes, Stowage reads', () => {
    let f: Fixtures;

    before(async () => {
      f = await makeFixtures('s3-dist-writes');
      const dist = await distributionOn('dist');
      try {
        await pushFixtures(f, dist);
      } finally {
        await dist.stop();
      }
    });

    it("Stowage serves distribution's bucket unchanged: identical digests, blobs and tags", async () => {
      const stowage = await stowageOn('dist');
      try {
        await pullAndCompare(f, stowage);
        const catalog = (await (await fetch(`${stowage.url}/v2/_catalog`)).json()) as { repositories: string[] };
        assert.deepEqual(catalog.repositories, ['app/web', 'deep/team/app/tool']);
      } finally {
        await stowage.stop();
      }
    });

    it('after Stowage adds a tag there, distribution serves old and new', async () => {
      const stowage = await stowageOn('dist');
      try {
        await push(f.dir, 'v2', stowage, 'app/web:added-by-stowage');
      } finally {
        await stowage.stop();
      }
      const dist = await distributionOn('dist');
      try {
        assert.deepEqual(await listTags(dist, 'app/web'), ['added-by-stowage', 'latest', 'multi', 'v1', 'v2']);
        const out = await makeTempDir('oci-out-');
        await pull(dist, 'app/web:added-by-stowage', out, 'a');
      } finally {
        await dist.stop();
      }
    });
  });

  describe('Stowage writes, distribution reads', () => {
    let f: Fixtures;

    before(async () => {
      f = await makeFixtures('s3-stowage-writes');
      const stowage = await stowageOn('stowage');
      try {
        await pushFixtures(f, stowage);
      } finally {
        await stowage.stop();
      }
    });

    it("distribution serves Stowage's bucket unchanged: identical digests, blobs and tags", async () => {
      const dist = await distributionOn('stowage');
      try {
        await pullAndCompare(f, dist);
        const catalog = (await (await fetch(`${dist.url}/v2/_catalog`)).json()) as { repositories: string[] };
        assert.deepEqual(catalog.repositories.sort(), ['app/web', 'deep/team/app/tool']);
      } finally {
        await dist.stop();
      }
    });

    it('both leave the same kinds of keys: blob data, links, nothing of an upload once it is done', async () => {
      const kinds = (keys: string[]) =>
        [
          ...new Set(
            keys.map((key) =>
              key
                .replace(/[0-9a-f]{64}/g, 'H')
                .replace(/\/[0-9a-f]{2}\//g, '/HH/')
                .replace(/repositories\/.+?\/_/, 'repositories/R/_')
                .replace(/\/tags\/[^/]+\//, '/tags/T/'),
            ),
          ),
        ].sort();
      const [ours, theirs] = await Promise.all([keysUnder('stowage'), keysUnder('dist')]);
      assert.ok(!ours.some((key) => key.includes('/_uploads/')), `upload keys left behind: ${ours.filter((key) => key.includes('/_uploads/')).join(', ')}`);
      // Stowage's own bookkeeping (also where it added a tag to distribution's prefix) lives under
      // repositories/_stowage, which distribution's walk skips.
      const ourKinds = kinds(ours.filter((key) => !key.includes('repositories/_stowage/')));
      assert.deepEqual(ourKinds, kinds(theirs.filter((key) => !key.includes('/_uploads/') && !key.includes('repositories/_stowage/'))));
    });
  });
});
