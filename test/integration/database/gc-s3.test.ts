/**
 * Garbage collection on an object store (a real Ceph RADOS Gateway, test/support/ceph-rgw.ts),
 * where file times are only write times: uses are rows of the database
 * (src/registry/store/use-ledger.ts, src/database/uses.ts), and the collection judges and
 * deletes each path holding its row. Several Registry objects on one bucket and one database
 * are several replicas. S3 times cannot be set back, so what must look old is left to age past
 * the cutoff (a run with no grace keeps what was used in the last TOUCH_INTERVAL_MS, 10 s).
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import type { GcReport } from '../../../src/registry/gc/index.js';
import type { RegistryOptions } from '../../../src/registry/server/registry.js';
import { blobDataPath } from '../../../src/registry/store/paths.js';
import { TOUCH_INTERVAL_MS, useFile } from '../../../src/registry/store/quarantine.js';
import { attachUseLedger } from '../../../src/registry/store/use-ledger.js';
import { Digest } from '../../../src/digest/digest.js';
import { S3Driver } from '../../../src/storage/s3/driver.js';
import type { S3Options } from '../../../src/storage/s3/options.js';
import { UsesTable } from '../../../src/database/uses.js';
import { openPool } from '../../../src/database/pool.js';
import { sharedBucket, sharedRgw } from '../../support/ceph-rgw.js';
import { pullComplete } from '../../support/gc.js';
import type { HttpClient } from '../../support/http.js';
import { createTestDatabase } from '../../support/postgres.js';
import { closeReplicas, startReplica } from '../../support/replicas.js';
import { makeTempDir, removeTempDirs, STOWAGE_CLI } from '../../support/process.js';
import { pushImage, sha256 } from '../../support/registry-images.js';

const execute = promisify(execFile);
after(async () => {
  await closeReplicas();
  await removeTempDirs();
});

let prefixes = 0;
/** A fresh key prefix of the shared bucket and a fresh database: one registry's data. */
async function bucketAndDatabase(): Promise<{ storage: RegistryOptions['storage']; options: S3Options; dsn: string; yaml: string }> {
  const [rgw, bucket] = await Promise.all([sharedRgw(), sharedBucket()]);
  const prefix = `gc-s3-${process.pid}-${++prefixes}`;
  const options = rgw.options(bucket, prefix);
  return { storage: { kind: 's3', ...options }, options, dsn: await createTestDatabase(), yaml: rgw.yaml(bucket, prefix) };
}

const replica = startReplica;

async function collect(client: HttpClient): Promise<GcReport> {
  const res = await client.post('/admin/gc', { headers: { 'content-type': 'application/json' }, body: '{}' });
  assert.equal(res.status, 200, res.describe());
  return res.json<GcReport>();
}

/** Until what was written or used so far is older than a no-grace run's cutoff. */
const pastTheCutoff = (): Promise<void> => sleep(TOUCH_INTERVAL_MS + 1500);

const noGrace = { gc: { options: { graceMs: 0, untagged: { delete: true, ageMs: 0 } } } };

describe('garbage collection on S3 (Ceph RGW) with uses in the database', () => {
  it('collects on one replica while two others push: garbage goes, every image pushed meanwhile pulls whole', async () => {
    const { storage, dsn } = await bucketAndDatabase();
    const [a, b, c] = [await replica(storage, dsn, noGrace), await replica(storage, dsn, noGrace), await replica(storage, dsn, noGrace)];
    const garbage = [];
    for (let i = 0; i < 3; i++) {
      const image = await pushImage(a.client, 'old/garbage', `v${i}`);
      assert.equal((await a.client.delete(`/v2/old/garbage/manifests/${image.digest}`)).status, 202);
      garbage.push(image);
    }
    await pastTheCutoff();

    let pushing = 2;
    const pushes = async (client: HttpClient, prefix: string) => {
      const pushed = [];
      for (let i = 0; i < 6; i++) pushed.push({ name: `${prefix}/app-${i}`, image: await pushImage(client, `${prefix}/app-${i}`, 'v1') });
      pushing--;
      return pushed;
    };
    const runs = async () => {
      const reports = [];
      while (pushing > 0 || reports.length < 2) reports.push(await collect(a.client));
      return reports;
    };
    const [fromB, fromC, reports] = await Promise.all([pushes(b.client, 'team-b'), pushes(c.client, 'team-c'), runs()]);

    // Each garbage image had its own config, two layers and its manifest's bytes.
    assert.ok(reports[0]!.blobs.removed >= 3 * 4, JSON.stringify(reports[0]));
    for (const image of garbage) {
      for (const blob of [image.config, ...image.layers]) assert.equal((await c.client.head(`/v2/old/garbage/blobs/${blob.digest}`)).status, 404);
    }
    for (const { name, image } of [...fromB, ...fromC]) {
      await pullComplete(a.client, name, 'v1');
      assert.equal(sha256((await a.client.get(`/v2/${name}/manifests/v1`, { headers: { accept: image.mediaType } })).body), image.digest);
    }
  });

  it('keeps what another replica used since, though its objects are old; collects it once unused past the cutoff', async () => {
    const { storage, dsn } = await bucketAndDatabase();
    const [a, b] = [await replica(storage, dsn, noGrace), await replica(storage, dsn, noGrace)];
    const image = await pushImage(a.client, 'team/app', 'v1');
    assert.equal((await a.client.delete(`/v2/team/app/manifests/${image.digest}`)).status, 202);
    await pastTheCutoff();
    // A client about to push a manifest that references them again HEADs them on another replica.
    for (const blob of [image.config, ...image.layers]) assert.equal((await b.client.head(`/v2/team/app/blobs/${blob.digest}`)).status, 200);

    const first = await collect(a.client);
    assert.ok(first.blobs.recent >= 3, JSON.stringify(first));
    for (const blob of [image.config, ...image.layers]) assert.equal((await b.client.head(`/v2/team/app/blobs/${blob.digest}`)).status, 200);

    await pastTheCutoff();
    const second = await collect(a.client);
    assert.ok(second.blobs.removed >= 3, JSON.stringify(second));
    for (const blob of [image.config, ...image.layers]) assert.equal((await b.client.head(`/v2/team/app/blobs/${blob.digest}`)).status, 404);
  });

  it('removes the tags retention chose, keeping a tag pushed again since; the rows follow', async () => {
    const { storage, dsn } = await bucketAndDatabase();
    const retention = [{ repositories: ['team/*'], keepLast: 1 }];
    const a = await replica(storage, dsn, { gc: { options: { graceMs: 0, retention } } });
    await pushImage(a.client, 'team/app', 'v1');
    await pastTheCutoff();
    const v2 = await pushImage(a.client, 'team/app', 'v2');
    const report = await collect(a.client);
    assert.deepEqual(
      report.tags.list.map((tag) => `${tag.repository}:${tag.tag}`),
      ['team/app:v1'],
    );
    assert.deepEqual((await a.client.get('/v2/team/app/tags/list')).json(), { name: 'team/app', tags: ['v2'] });
    await pullComplete(a.client, 'team/app', 'v2');
    assert.equal(sha256((await a.client.get('/v2/team/app/manifests/v2', { headers: { accept: v2.mediaType } })).body), v2.digest);
  });

  it('a use arriving while the collection holds a path waits, then finds it gone: never "present" and then deleted', async () => {
    const { storage, options, dsn } = await bucketAndDatabase();
    // A replica binds the database to the bucket and applies the migrations.
    await replica(storage, dsn);
    const pool = await openPool({ dsn });
    try {
      const driver = new S3Driver(options);
      const uses = new UsesTable(pool);
      attachUseLedger(driver, uses);
      const bytes = Buffer.from('a blob the collection is deleting');
      const path = blobDataPath(Digest.of(bytes));
      await driver.putContent(path, bytes);

      let release!: () => void;
      const judging = new Promise<void>((resolve) => (release = resolve));
      let held!: () => void;
      const holding = new Promise<void>((resolve) => (held = resolve));
      const collection = uses.exclusive(path, async () => {
        held();
        await judging;
        await driver.delete(path);
        return { removed: true, value: undefined };
      });
      await holding;
      let answered = false;
      const use = useFile(driver, path).then((info) => {
        answered = true;
        return info;
      });
      await sleep(300);
      assert.equal(answered, false, 'the use waits for the collection');
      release();
      await collection;
      assert.equal(await use, undefined);
    } finally {
      await pool.end();
    }
  });

  it('`stowage registry gc` collects a bucket beside its database, and refuses one without', async () => {
    const { storage, dsn, yaml } = await bucketAndDatabase();
    const dir = await makeTempDir('stowage-gc-s3-cli-');
    const withDb = join(dir, 'with.yml');
    await writeFile(withDb, `version: 0.1\nstorage:\n  ${yaml}\ndatabase:\n  dsn: ${dsn}\n`);
    const a = await replica(storage, dsn);
    const image = await pushImage(a.client, 'team/cli', 'v1');
    assert.equal((await a.client.delete(`/v2/team/cli/manifests/${image.digest}`)).status, 202);
    await pastTheCutoff();
    const run = await execute(process.execPath, [STOWAGE_CLI, 'registry', 'gc', withDb, '--grace', '0s'], { timeout: 120_000 });
    assert.match(run.stdout, /^Deleted [4-9] blobs \(/, run.stdout);
    assert.equal((await a.client.head(`/v2/team/cli/blobs/${image.layers[0]!.digest}`)).status, 404);

    const without = join(dir, 'without.yml');
    await writeFile(without, `version: 0.1\nstorage:\n  ${yaml}\n`);
    await assert.rejects(execute(process.execPath, [STOWAGE_CLI, 'registry', 'gc', without], { timeout: 60_000 }), (err: { code: number; stderr: string }) => {
      assert.equal(err.code, 1);
      assert.equal(
        err.stderr,
        'stowage: stowage registry gc collects a filesystem root, or an S3 bucket beside a database (database.dsn); the config names storage.s3 without one\n',
      );
      return true;
    });
  });
});
