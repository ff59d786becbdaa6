/**
 * The database beside the storage (src/database): what the catalog and tag lists are read
 * from, kept in step by every replica, checked at start. A real PostgreSQL
 * (test/support/postgres.ts) beside the filesystem driver; several Registry objects on one
 * root and one database are several replicas.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import pg from 'pg';
import { Registry, type RegistryOptions } from '../../../src/registry/server/registry.js';
import { isStowageError, StowageError } from '../../../src/errors/error.js';
import { acquireLease } from '../../../src/database/lease.js';
import { MIGRATIONS } from '../../../src/database/migrations.js';
import { HttpClient } from '../../support/http.js';
import { age, pullComplete } from '../../support/gc.js';
import { createTestDatabase } from '../../support/postgres.js';
import { closeReplicas, type Replica, startReplica } from '../../support/replicas.js';
import { makeTempDir, removeTempDirs, STOWAGE_CLI } from '../../support/process.js';
import { pushImage, pushManifest, buildImage, sha256 } from '../../support/registry-images.js';

const execute = promisify(execFile);
after(async () => {
  await closeReplicas();
  await removeTempDirs();
});

const replica = (root: string, dsn: string, more: Partial<RegistryOptions> = {}): Promise<Replica> =>
  startReplica({ kind: 'filesystem', rootDirectory: root }, dsn, more);

async function query<T extends pg.QueryResultRow>(dsn: string, sql: string, values: unknown[] = []): Promise<T[]> {
  const client = new pg.Client({ connectionString: dsn });
  await client.connect();
  try {
    return (await client.query<T>(sql, values)).rows;
  } finally {
    await client.end();
  }
}

async function startFails(root: string, dsn: string): Promise<string> {
  const registry = new Registry({ storage: { kind: 'filesystem', rootDirectory: root }, port: 0, database: { dsn } });
  try {
    await registry.start();
  } catch (err) {
    assert.ok(isStowageError(err, 'CONFIG_INVALID'), String(err));
    return (err as Error).message;
  } finally {
    await registry.shutdown();
  }
  assert.fail('the registry started');
}

const tagsOf = async (client: HttpClient, repo: string): Promise<string[]> => (await client.get(`/v2/${repo}/tags/list`)).json<{ tags: string[] }>().tags;
const catalogOf = async (client: HttpClient): Promise<string[]> => (await client.get('/v2/_catalog')).json<{ repositories: string[] }>().repositories;

describe('the database as the registry index', () => {
  let root: string;
  let dsn: string;
  let a: HttpClient;
  let b: HttpClient;
  before(async () => {
    root = await makeTempDir('stowage-db-');
    dsn = await createTestDatabase();
    a = (await replica(root, dsn)).client;
    b = (await replica(root, dsn)).client;
  });

  it('records pushes as rows: repositories, manifests with their references, tags', async () => {
    const img = await pushImage(a, 'team/app', 'v1');
    const manifests = await query<{ digest: string; media_type: string; size: string; refs: string[] }>(
      dsn,
      'SELECT digest, media_type, size, refs FROM manifests WHERE repository = $1',
      ['team/app'],
    );
    assert.deepEqual(manifests, [
      { digest: img.digest, media_type: img.mediaType, size: String(img.size), refs: [img.config.digest, ...img.layers.map((l) => l.digest)] },
    ]);
    assert.deepEqual(await query(dsn, 'SELECT tag, digest FROM tags WHERE repository = $1', ['team/app']), [{ tag: 'v1', digest: img.digest }]);
    assert.deepEqual(await catalogOf(b), ['team/app']);
  });

  it('answers the catalog and tag lists from its rows, not from a walk of the storage', async () => {
    // A row no storage holds shows: the list is the database's (never done outside a test).
    await query(dsn, "INSERT INTO repositories (name) VALUES ('only/in-database')");
    try {
      assert.deepEqual(await catalogOf(a), ['only/in-database', 'team/app']);
    } finally {
      await query(dsn, "DELETE FROM repositories WHERE name = 'only/in-database'");
    }
  });

  it('keeps replicas in step: a tag pushed, moved and deleted on one is listed so by the other', async () => {
    const one = await pushImage(a, 'team/web', 'stable');
    assert.deepEqual(await tagsOf(b, 'team/web'), ['stable']);
    const two = await buildImage(b, 'team/web');
    await pushManifest(b, 'team/web', two, 'stable');
    await pushManifest(b, 'team/web', two, 'next');
    assert.deepEqual(await tagsOf(a, 'team/web'), ['next', 'stable']);
    assert.deepEqual(await query(dsn, "SELECT digest FROM tags WHERE repository = 'team/web' AND tag = 'stable'"), [{ digest: two.digest }]);
    assert.equal((await a.delete('/v2/team/web/manifests/next')).status, 202);
    assert.deepEqual(await tagsOf(b, 'team/web'), ['stable']);
    // By digest: the manifest and every tag on it.
    assert.equal((await b.delete(`/v2/team/web/manifests/${two.digest}`)).status, 202);
    assert.equal((await a.get('/v2/team/web/tags/list')).json<{ tags: string[] }>().tags.length, 0);
    assert.deepEqual(await query(dsn, "SELECT digest FROM manifests WHERE repository = 'team/web'"), [{ digest: one.digest }]);
    assert.deepEqual(await catalogOf(a), ['team/app', 'team/web']);
  });

  it('ends with the storage’s tag when two replicas push the same tag at once, every time', async () => {
    const images = [await buildImage(a, 'team/race'), await buildImage(a, 'team/race')];
    for (const image of images) await pushManifest(a, 'team/race', image);
    for (let round = 0; round < 15; round++) {
      await Promise.all([pushManifest(a, 'team/race', images[round % 2]!, 'latest'), pushManifest(b, 'team/race', images[(round + 1) % 2]!, 'latest')]);
      const stored = (await import('node:fs/promises')).readFile(
        join(root, 'docker/registry/v2/repositories/team/race/_manifests/tags/latest/current/link'),
        'utf8',
      );
      const [row] = await query<{ digest: string }>(dsn, "SELECT digest FROM tags WHERE repository = 'team/race' AND tag = 'latest'");
      assert.equal(row?.digest, await stored, `round ${round}`);
    }
  });

  it('refuses a second storage on the same database, naming the one it indexes', async () => {
    const other = await makeTempDir('stowage-db-other-');
    const message = await startFails(other, dsn);
    assert.match(
      message,
      /^database: it indexes another storage \(filesystem at .*stowage-db-.*\), not filesystem at .*stowage-db-other-.*: give each storage its own database$/,
    );
  });
});

describe('start-up checks', () => {
  it('binds an empty database to an empty storage, and says so in the start line', async () => {
    const root = await makeTempDir('stowage-db-empty-');
    const dsn = await createTestDatabase();
    const { started } = await replica(root, dsn);
    assert.match(started.database ?? '', /^postgres:\/\/stowage@127\.0\.0\.1:\d+\/stowage_\w+ \(0 repositories\)$/);
    assert.deepEqual(await query(dsn, 'SELECT import_state FROM stowage_binding'), [{ import_state: 'complete' }]);
  });

  it('refuses an empty database beside a storage that holds repositories: db import first', async () => {
    const root = await makeTempDir('stowage-db-unimported-');
    const plain = new Registry({ storage: { kind: 'filesystem', rootDirectory: root }, port: 0 });
    const client = new HttpClient((await plain.start()).url);
    await pushImage(client, 'a/b', 'v1');
    await client.close();
    await plain.shutdown();
    const message = await startFails(root, await createTestDatabase());
    assert.match(message, /it is empty and filesystem at .* holds 1 repositories: fill it first with `stowage registry db import`/);
  });

  it('refuses a database whose import has not finished', async () => {
    const root = await makeTempDir('stowage-db-importing-');
    const dsn = await createTestDatabase();
    const { registry } = await replica(root, dsn);
    await registry.shutdown();
    await query(dsn, "UPDATE stowage_binding SET import_state = 'importing'");
    assert.equal(await startFails(root, dsn), 'database: an import into it has not finished: run `stowage registry db import` again to resume it');
  });

  it('refuses a schema newer than it knows, and an unreachable server, in one line each', async () => {
    const root = await makeTempDir('stowage-db-newer-');
    const dsn = await createTestDatabase();
    const { registry } = await replica(root, dsn);
    await registry.shutdown();
    await query(dsn, 'INSERT INTO stowage_schema (version) VALUES ($1)', [MIGRATIONS.length + 1]);
    assert.equal(
      await startFails(root, dsn),
      `database: its schema is version ${MIGRATIONS.length + 1}, newer than this Stowage knows (${MIGRATIONS.length}): run the Stowage that migrated it`,
    );
    const unreachable = await startFails(root, 'postgres://stowage:secret@127.0.0.1:1/none');
    assert.match(unreachable, /^database\.dsn: cannot use postgres:\/\/stowage:\*\*\*@127\.0\.0\.1:1\/none: connect ECONNREFUSED/);
  });

  it('repairs a change cut short between the storage write and the row: that repository is read again', async () => {
    const root = await makeTempDir('stowage-db-repair-');
    const dsn = await createTestDatabase();
    const first = await replica(root, dsn);
    const img = await pushImage(first.client, 'team/cut', 'v1');
    await first.registry.shutdown();
    // A replica wrote tag v2 to storage and died before its row: its mark stays, a minute old.
    const tagDir = join(root, 'docker/registry/v2/repositories/team/cut/_manifests/tags/v2');
    await mkdir(join(tagDir, 'current'), { recursive: true });
    await writeFile(join(tagDir, 'current/link'), img.digest);
    await query(dsn, "INSERT INTO changing (repository, since) VALUES ('team/cut', now() - interval '2 minutes')");
    const second = await replica(root, dsn);
    assert.match(second.started.database ?? '', /\(1 repositories; repaired 1 cut short \(team\/cut\)\)$/);
    assert.deepEqual(await tagsOf(second.client, 'team/cut'), ['v1', 'v2']);
    assert.deepEqual(await query(dsn, 'SELECT count(*)::int AS n FROM changing'), [{ n: 0 }]);
  });

  it('follows a garbage collection: the untagged manifest it removes leaves the database too', async () => {
    const root = await makeTempDir('stowage-db-gc-');
    const dsn = await createTestDatabase();
    const { client } = await replica(root, dsn, { gc: { options: { graceMs: 0, untagged: { delete: true, ageMs: 0 } } } });
    const kept = await pushImage(client, 'team/gc', 'v1');
    const dropped = await pushImage(client, 'team/gc', 'v2');
    assert.equal((await client.delete('/v2/team/gc/manifests/v2')).status, 202);
    await age(root, 2 * 3600_000);
    const res = await client.post('/admin/gc', { headers: { 'content-type': 'application/json' }, body: '{"dryRun": false}' });
    assert.equal(res.status, 200, res.describe());
    assert.ok(res.json<{ manifests: { removed: number } }>().manifests.removed >= 1, res.describe());
    const rows = await query<{ digest: string }>(dsn, "SELECT digest FROM manifests WHERE repository = 'team/gc'");
    assert.deepEqual(rows, [{ digest: kept.digest }]);
    assert.notEqual(kept.digest, dropped.digest);
    assert.equal(sha256((await client.get('/v2/team/gc/manifests/v1', { headers: { accept: kept.mediaType } })).body), kept.digest);
  });
});

describe('garbage collection across replicas (the database lease)', () => {
  const busy = (holder: string): StowageError => new StowageError('GC_RUNNING', `held by ${holder}`);

  it('one replica at a time: a run elsewhere is refused naming the holder; a lease whose holder died is taken over', async () => {
    const root = await makeTempDir('stowage-db-lease-');
    const dsn = await createTestDatabase();
    const { client } = await replica(root, dsn, { gc: { options: { graceMs: 0 } } });
    const pool = new pg.Pool({ connectionString: dsn });
    try {
      const held = await acquireLease(pool, 'gc', busy);
      const refused = await client.post('/admin/gc', { headers: { 'content-type': 'application/json' }, body: '{}' });
      assert.equal(refused.status, 409, refused.describe());
      assert.match(refused.text, new RegExp(`another garbage collection is running on a replica of this database \\(process ${process.pid} on `));
      await held.release();
      assert.equal((await client.post('/admin/gc', { headers: { 'content-type': 'application/json' }, body: '{}' })).status, 200);
      assert.deepEqual(await query(dsn, 'SELECT name FROM leases'), []);

      // A holder killed mid-run: its lease expires unrenewed, and the next run takes it over.
      await query(dsn, "INSERT INTO leases (name, holder, token, expires_at) VALUES ('gc', 'process 1 on gone', 'x', now() - interval '1 second')");
      const next = await acquireLease(pool, 'gc', busy);
      assert.equal(next.tookOverFrom, 'process 1 on gone');
      await assert.rejects(acquireLease(pool, 'gc', busy), /held by process \d+ on /);
      await next.release();
    } finally {
      await pool.end();
    }
  });

  it('a holder whose lease was taken over is told (its signal aborts) and its release leaves the new holder alone', async () => {
    const dsn = await createTestDatabase();
    await replica(await makeTempDir('stowage-db-lease-lost-'), dsn);
    const pool = new pg.Pool({ connectionString: dsn });
    try {
      const lease = await acquireLease(pool, 'gc', busy, { renewMs: 50 });
      await query(dsn, "UPDATE leases SET token = 'someone else', holder = 'process 2 on elsewhere'");
      await new Promise<void>((resolve) => lease.signal.addEventListener('abort', () => resolve(), { once: true }));
      assert.match(String((lease.signal.reason as Error).message), /the gc lease was lost: another replica took it over/);
      await lease.release();
      assert.deepEqual(await query(dsn, 'SELECT holder FROM leases'), [{ holder: 'process 2 on elsewhere' }]);
    } finally {
      await pool.end();
    }
  });

  it('a holder that cannot reach the database for longer than the lease could last gives it up (its signal aborts)', async () => {
    const dsn = await createTestDatabase();
    await replica(await makeTempDir('stowage-db-lease-cut-'), dsn);
    const pool = new pg.Pool({ connectionString: dsn });
    const lease = await acquireLease(pool, 'gc', busy, { renewMs: 50, ttlMs: 300 });
    // Every renewal now fails, as with the server unreachable.
    await pool.end();
    await new Promise<void>((resolve) => lease.signal.addEventListener('abort', () => resolve(), { once: true }));
    assert.match(String((lease.signal.reason as Error).message), /the gc lease was lost: the database did not answer for 0 s/);
    await lease.release();
  });

  it('collects on one replica while two others push: garbage from before goes, every image pushed meanwhile pulls whole', async () => {
    const root = await makeTempDir('stowage-db-gc-push-');
    const dsn = await createTestDatabase();
    const gc = { options: { graceMs: 0, untagged: { delete: true, ageMs: 0 } } };
    const [a, b, c] = [await replica(root, dsn, { gc }), await replica(root, dsn, { gc }), await replica(root, dsn, { gc })];
    const garbage = [];
    for (let i = 0; i < 3; i++) {
      const image = await pushImage(a.client, 'old/garbage', `v${i}`);
      assert.equal((await a.client.delete(`/v2/old/garbage/manifests/${image.digest}`)).status, 202);
      garbage.push(image);
    }
    await age(root, 2 * 3600_000);

    let pushing = 2;
    const pushes = (client: HttpClient, prefix: string) =>
      (async () => {
        const pushed = [];
        for (let i = 0; i < 8; i++) pushed.push({ name: `${prefix}/app-${i}`, image: await pushImage(client, `${prefix}/app-${i}`, 'v1') });
        pushing--;
        return pushed;
      })();
    // Runs one after another for as long as the pushes go on: every push overlaps one.
    const runs = (async () => {
      const reports = [];
      while (pushing > 0 || reports.length < 2) {
        const res = await a.client.post('/admin/gc', { headers: { 'content-type': 'application/json' }, body: '{}' });
        assert.equal(res.status, 200, res.describe());
        reports.push(res.json<{ blobs: { removed: number }; manifests: { removed: number } }>());
      }
      return reports;
    })();
    const [fromB, fromC, reports] = await Promise.all([pushes(b.client, 'team-b'), pushes(c.client, 'team-c'), runs]);

    // The garbage's blobs (each image has its own config and layers, and its manifest's bytes) went in the first run.
    assert.ok(reports[0]!.blobs.removed >= 3 * 4, JSON.stringify(reports));
    for (const image of garbage) {
      for (const blob of [image.config, ...image.layers]) assert.equal((await c.client.head(`/v2/old/garbage/blobs/${blob.digest}`)).status, 404);
    }
    // Pushed on two replicas while the third collected: whole, read from the collecting one, and listed from the database.
    for (const { name, image } of [...fromB, ...fromC]) {
      await pullComplete(a.client, name, 'v1');
      assert.equal(sha256((await a.client.get(`/v2/${name}/manifests/v1`, { headers: { accept: image.mediaType } })).body), image.digest);
      assert.deepEqual((await b.client.get(`/v2/${name}/tags/list`)).json(), { name, tags: ['v1'] });
    }
    const catalog = (await c.client.get('/v2/_catalog')).json<{ repositories: string[] }>().repositories;
    for (const { name } of [...fromB, ...fromC]) assert.ok(catalog.includes(name), name);
    assert.deepEqual(await query(dsn, 'SELECT name FROM leases'), []);
  });

  it('`stowage registry gc` with the database in its config takes the same lease: refused while a replica holds it', async () => {
    const root = await makeTempDir('stowage-db-gc-cli-');
    const dsn = await createTestDatabase();
    await replica(root, dsn);
    const config = join(root, 'config.yml');
    await writeFile(config, `version: 0.1\nstorage:\n  filesystem:\n    rootdirectory: ${root}\ndatabase:\n  dsn: ${dsn}\n`);
    const gc = () => execute(process.execPath, [STOWAGE_CLI, 'registry', 'gc', config, '--grace', '0s'], { timeout: 60_000 });
    const pool = new pg.Pool({ connectionString: dsn });
    try {
      const held = await acquireLease(pool, 'gc', busy);
      await assert.rejects(gc(), (err: { code: number; stderr: string }) => {
        assert.equal(err.code, 1);
        assert.match(err.stderr, /^stowage: another garbage collection is running on a replica of this database \(process \d+ on .+, since \d{4}-.+\)\n$/);
        return true;
      });
      await held.release();
      assert.match((await gc()).stdout, /^Deleted 0 blobs/);
    } finally {
      await pool.end();
    }
  });
});
