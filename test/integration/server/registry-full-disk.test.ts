/**
 * `stowage serve` on a disk that fills up (a real 8 MiB tmpfs): every answer is a success or
 * 507 with the spec's error body, never a 500; nothing half-written is ever visible; a chunked
 * upload that hit the wall frees what it held; once space is freed, the same push succeeds.
 */
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { HttpClient, type Res } from '../../support/http.js';
import { startStowage, type ServerHandle } from '../../support/process.js';
import { mountTmpfs, type Tmpfs } from '../../support/tmpfs.js';
import { sessionsOf, sha256, v2Root, withQuery } from '../../support/registry-images.js';

const MiB = 1 << 20;
const OCTET = { 'content-type': 'application/octet-stream' };
const MANIFEST = 'application/vnd.oci.image.manifest.v1+json';

describe('a registry whose disk fills up', () => {
  let disk: Tmpfs;
  let server: ServerHandle;
  let client: HttpClient;
  const statuses: number[] = [];
  const refusals: Res[] = [];

  before(async () => {
    disk = await mountTmpfs(8 * MiB);
    server = await startStowage({ root: join(disk.dir, 'data') });
    client = new HttpClient(server.url);
  });
  after(async () => {
    await client?.close();
    await server?.stop();
    await disk?.unmount();
  });

  /** Every answer goes through here: only these statuses may ever come back. */
  const note = (res: Res, ok: number): boolean => {
    statuses.push(res.status);
    assert.ok(res.status === ok || res.status === 507, `expected ${ok} or 507: ${res.describe()}`);
    if (res.status === 507) refusals.push(res);
    return res.status === ok;
  };

  /** Pushes one blob, monolithic or in 128 KiB chunks; false if the registry said 507. */
  const pushBlob = async (repo: string, data: Buffer, chunked: boolean): Promise<boolean> => {
    const start = await client.post(`/v2/${repo}/blobs/uploads/`, { headers: { 'content-length': '0' } });
    if (!note(start, 202)) return false;
    let location = start.header('location') ?? '';
    if (chunked) {
      for (let offset = 0; offset < data.length; offset += 128 * 1024) {
        const chunk = data.subarray(offset, offset + 128 * 1024);
        const range = `${offset}-${offset + chunk.length - 1}`;
        const res = await client.patch(location, { headers: { ...OCTET, 'content-range': range }, body: chunk });
        if (!note(res, 202)) {
          // The session is over and its bytes are gone: the client's retry starts afresh.
          assert.equal((await client.get(location)).status, 404);
          return false;
        }
        location = res.header('location') ?? location;
      }
      return note(await client.put(withQuery(location, { digest: sha256(data) }), { headers: OCTET }), 201);
    }
    return note(await client.put(withQuery(location, { digest: sha256(data) }), { headers: OCTET, body: data }), 201);
  };

  /** Pushes an image of one layer under `tag`; false at the first 507. */
  const pushImage = async (repo: string, tag: string, chunked: boolean): Promise<boolean> => {
    const config = Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', n: randomBytes(8).toString('hex') }));
    const layer = randomBytes(600 * 1024);
    if (!(await pushBlob(repo, config, false)) || !(await pushBlob(repo, layer, chunked))) return false;
    const manifest = Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: MANIFEST,
        config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: sha256(config), size: config.length },
        layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar', digest: sha256(layer), size: layer.length }],
        annotations: { pad: 'x'.repeat(8 * 1024) },
      }),
    );
    return note(await client.put(`/v2/${repo}/manifests/${tag}`, { headers: { 'content-type': MANIFEST }, body: manifest }), 201);
  };

  it('answers 201/202 or 507, never 500, until the disk is full', async () => {
    // Most of the disk goes to a file outside the registry, freed later.
    await writeFile(join(disk.dir, 'filler'), Buffer.alloc(4 * MiB));
    let failures = 0;
    for (let i = 0; i < 40 && failures < 6; i++) {
      if (!(await pushImage('full/app', `v${i}`, i % 2 === 1))) failures++;
    }
    assert.ok(refusals.length >= 3, `the disk filled up (statuses ${statuses.join(' ')})`);
    assert.ok(statuses.filter((s) => s === 201).length >= 2, 'some images fitted before the disk was full');
    for (const res of refusals) {
      assert.match(res.header('content-type') ?? '', /^application\/json/);
      const body = JSON.parse(res.text) as { errors: Array<{ code: string; message: string; detail: unknown }> };
      assert.deepEqual(
        body.errors.map((e) => [e.code, e.detail]),
        [['UNKNOWN', 'no space left on device']],
      );
      assert.ok(!body.errors[0]?.message.includes(disk.dir), `no storage path on the wire: ${res.text}`);
    }
  });

  it('lists only tags that GET, and shows no blob whose bytes are not its digest', async () => {
    const tags = JSON.parse((await client.get('/v2/full/app/tags/list')).text) as { tags: string[] };
    assert.ok(tags.tags.length >= 2, JSON.stringify(tags));
    for (const tag of tags.tags) {
      const res = await client.get(`/v2/full/app/manifests/${tag}`, { headers: { accept: MANIFEST } });
      assert.equal(res.status, 200, res.describe());
    }
    const blobs = join(v2Root(server.root), 'blobs', 'sha256');
    for (const prefix of await readdir(blobs)) {
      for (const hex of await readdir(join(blobs, prefix))) {
        const names = await readdir(join(blobs, prefix, hex));
        if (!names.includes('data')) continue;
        const data = await readFile(join(blobs, prefix, hex, 'data'));
        assert.equal(createHash('sha256').update(data).digest('hex'), hex, `blob ${hex} holds other bytes`);
      }
    }
    // Every chunked upload that failed is gone; none is left holding space.
    assert.deepEqual(await sessionsOf(server.root, 'full/app'), []);
  });

  it('logs each refusal once at error level, with the file it could not write, and no 500', async () => {
    const refusalLines = (): string[] =>
      server
        .stderr()
        .split('\n')
        .filter((l) => l.includes('storage full'));
    // Log lines are written in batches (every 20 ms): the last refusal's may be on its way.
    for (let i = 0; i < 100 && refusalLines().length < refusals.length; i++) await new Promise((r) => setTimeout(r, 20));
    const lines = refusalLines();
    assert.equal(lines.length, refusals.length, server.stderr().slice(-2000));
    for (const line of lines) {
      const entry = JSON.parse(line) as { level: string; path: string; errno: string };
      assert.equal(entry.level, 'error');
      assert.equal(entry.errno, 'ENOSPC');
      assert.ok(entry.path.startsWith(join(disk.dir, 'data')), entry.path);
    }
    assert.ok(!server.stderr().includes('request failed'), server.stderr().slice(-2000));
  });

  it('takes the same push once space is freed', async () => {
    await rm(join(disk.dir, 'filler'));
    assert.ok(await pushImage('full/app', 'after', true), `statuses ${statuses.slice(-5).join(' ')}`);
    assert.ok(await pushImage('full/app', 'after-mono', false));
    const tags = JSON.parse((await client.get('/v2/full/app/tags/list')).text) as { tags: string[] };
    assert.ok(tags.tags.includes('after') && tags.tags.includes('after-mono'), JSON.stringify(tags));
  });
});
