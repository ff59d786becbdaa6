/**
 * `stowage registry db import` (src/database/import.ts): a database built from a storage that
 * distribution or a registry without a database wrote, with progress, resumable after being
 * cut short; on a filesystem root, and on a 1,000-repository bucket of a real Ceph RADOS
 * Gateway (test/support/ceph-rgw.ts).
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { importStorage, type ImportProgress } from '../../../src/database/index.js';
import { isStowageError } from '../../../src/errors/error.js';
import { Registry } from '../../../src/registry/server/registry.js';
import type { StorageDriver } from '../../../src/storage/driver.js';
import { FilesystemDriver } from '../../../src/storage/fs/driver.js';
import { S3Driver } from '../../../src/storage/s3/driver.js';
import { sharedBucket, sharedRgw } from '../../support/ceph-rgw.js';
import { HttpClient } from '../../support/http.js';
import { writeManyRepositories } from '../../support/many-repositories.js';
import { createTestDatabase } from '../../support/postgres.js';
import { makeTempDir, removeTempDirs, STOWAGE_CLI } from '../../support/process.js';
import { pushImage } from '../../support/registry-images.js';

after(() => removeTempDirs());
const execute = promisify(execFile);

/** Lists as a client sees them: the catalog (every page) and each repository's tags. */
async function listing(registry: Registry): Promise<{ catalog: string[]; tags: Record<string, string[]> }> {
  const client = new HttpClient((await registry.start()).url);
  try {
    const catalog = (await client.get('/v2/_catalog?n=100000')).json<{ repositories: string[] }>().repositories;
    const tags: Record<string, string[]> = {};
    for (const name of catalog.slice(0, 50)) tags[name] = (await client.get(`/v2/${name}/tags/list`)).json<{ tags: string[] }>().tags;
    return { catalog, tags };
  } finally {
    await client.close();
    await registry.shutdown();
  }
}

/** An import stopped (as Ctrl-C stops it) once `after` repositories are in. */
async function importCutShort(dsn: string, driver: StorageDriver, after: number, concurrency?: number): Promise<number> {
  const controller = new AbortController();
  let seen = 0;
  await assert.rejects(
    importStorage({ dsn }, driver, 'test storage', {
      signal: controller.signal,
      ...(concurrency ? { concurrency } : {}),
      onProgress: ({ done }) => {
        seen = done;
        if (done >= after) controller.abort(new Error('stopped by the test'));
      },
    }),
    /stopped by the test/,
  );
  return seen;
}

describe('db import', () => {
  it('builds the database from a filesystem root a registry without one wrote, resumably; the server then lists the same', async () => {
    const root = await makeTempDir('stowage-import-fs-');
    const plain = new Registry({ storage: { kind: 'filesystem', rootDirectory: root }, port: 0 });
    const client = new HttpClient((await plain.start()).url);
    for (const name of ['alpha', 'beta/one', 'beta/two', 'gamma']) await pushImage(client, name, 'v1');
    const extra = await pushImage(client, 'beta/one', 'v2');
    await pushImage(client, 'gamma', 'v2');
    assert.equal((await client.delete(`/v2/gamma/manifests/v2`)).status, 202);
    await client.close();
    await plain.shutdown();
    const expected = await listing(new Registry({ storage: { kind: 'filesystem', rootDirectory: root }, port: 0 }));

    const dsn = await createTestDatabase();
    const driver = new FilesystemDriver(root);
    assert.ok((await importCutShort(dsn, driver, 1, 1)) >= 1);
    // Cut short: a server refuses it until a run completes.
    const refused = new Registry({ storage: { kind: 'filesystem', rootDirectory: root }, port: 0, database: { dsn } });
    await assert.rejects(refused.start(), (err) => isStowageError(err, 'CONFIG_INVALID') && /has not finished/.test((err as Error).message));
    await refused.shutdown();

    const progress: ImportProgress[] = [];
    const report = await importStorage({ dsn }, driver, 'test storage', { onProgress: (p) => progress.push(p) });
    assert.ok(report.resumed >= 1, JSON.stringify(report));
    assert.deepEqual({ ...report, resumed: 0 }, { repositories: 4, manifests: 6, tags: 5, resumed: 0, removed: 0 });
    assert.deepEqual(
      progress.map((p) => p.done),
      Array.from({ length: 5 - report.resumed }, (_, i) => report.resumed + i),
    );
    assert.ok(progress.every((p) => p.total === 4));
    const served = await listing(new Registry({ storage: { kind: 'filesystem', rootDirectory: root }, port: 0, database: { dsn } }));
    assert.deepEqual(served, expected);
    assert.deepEqual(served.tags['beta/one'], ['v1', 'v2']);
    assert.ok(extra.digest);
  });

  it('`stowage registry db import` prints progress and totals; run again it reads afresh and drops what storage lost', async () => {
    const root = await makeTempDir('stowage-import-cli-');
    const driver = new FilesystemDriver(join(root, 'data'));
    await writeManyRepositories(driver, 30, 'cli');
    const dsn = await createTestDatabase();
    const config = join(root, 'config.yml');
    await writeFile(config, `version: 0.1\nstorage:\n  filesystem:\n    rootdirectory: ${join(root, 'data')}\ndatabase:\n  dsn: ${dsn}\n`);
    const cli = (...args: string[]) => execute(process.execPath, [STOWAGE_CLI, 'registry', 'db', 'import', ...args], { timeout: 60_000 });
    const first = await cli(config);
    assert.equal(first.stdout, `Imported 30 repositories (30 manifests, 30 tags) into ${dsn}\n`);
    // Not a terminal: a line per tenth, from 0/30 to 30/30.
    const lines = first.stderr.trim().split('\n');
    assert.equal(lines[0], 'Importing repositories: 0/30');
    assert.equal(lines.at(-1), 'Importing repositories: 30/30');
    assert.ok(lines.length >= 10 && lines.length <= 12, first.stderr);

    await driver.delete('/docker/registry/v2/repositories/cli/repo-00007');
    const second = await cli(config);
    assert.equal(second.stdout, `Imported 29 repositories (29 manifests, 29 tags) into ${dsn}; 1 gone from storage removed\n`);

    await assert.rejects(
      execute(process.execPath, [STOWAGE_CLI, 'registry', 'db', 'import', '--root', join(root, 'data')], { timeout: 60_000 }),
      (err: { code: number; stderr: string }) => {
        assert.equal(err.code, 1);
        assert.equal(err.stderr, 'stowage: the configuration has no database section: set database.dsn (or REGISTRY_DATABASE_DSN)\n');
        return true;
      },
    );
  });

  it('imports a 1,000-repository bucket on a Ceph RADOS Gateway, cut short and resumed, and the S3 registry lists it', async (t) => {
    const [rgw, bucket] = await Promise.all([sharedRgw(), sharedBucket()]);
    const options = rgw.options(bucket, `import-${Date.now()}`);
    const driver = new S3Driver(options);
    const written = Date.now();
    const { names } = await writeManyRepositories(driver, 1000);
    t.diagnostic(`wrote 1,000 repositories in ${Date.now() - written} ms`);
    const dsn = await createTestDatabase();
    const cut = await importCutShort(dsn, driver, 300);
    const started = Date.now();
    const report = await importStorage({ dsn }, driver, 'the test bucket');
    t.diagnostic(`resumed after ${cut}: the rest in ${Date.now() - started} ms`);
    assert.ok(report.resumed >= 300 && report.resumed < 1000, JSON.stringify(report));
    assert.deepEqual({ ...report, resumed: 0 }, { repositories: 1000, manifests: 1000, tags: 1000, resumed: 0, removed: 0 });
    const served = await listing(new Registry({ storage: { kind: 's3', ...options }, port: 0, database: { dsn } }));
    assert.deepEqual(served.catalog, names);
    assert.deepEqual(
      Object.values(served.tags),
      Array.from({ length: 50 }, () => ['latest']),
    );
  });
});
