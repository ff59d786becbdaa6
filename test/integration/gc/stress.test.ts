/**
 * Clients pushing, re-tagging, deleting, reusing old blobs (HEAD, then a manifest PUT without
 * uploading) and pulling, in loops, while collections run back to back with no grace window.
 * Every push a client was entitled to make succeeds; at the end every tag pulls complete, every
 * blob hashes to its name, and once everything is older than the window one more run leaves
 * exactly the blobs the remaining manifests reference.
 */
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { isStowageError } from '../../../src/errors/error.js';
import { collectGarbage } from '../../../src/registry/gc/index.js';
import { FilesystemDriver } from '../../../src/storage/fs/driver.js';
import { age, blobsOnDisk, pullComplete, quarantined } from '../../support/gc.js';
import type { HttpClient } from '../../support/http.js';
import { startRegistry, type TestRegistry } from '../../support/registry.js';
import { blobDataPath, type Descriptor, MT, manifestBytes, newClient, pushBlob, putManifest, sha256, v2Root } from '../../support/registry-images.js';

const DURATION_MS = 20_000;
const CLIENTS = 3;

let reg: TestRegistry;
let driver: FilesystemDriver;
/** Every blob any client made, by digest, so that one that is gone can be uploaded again. */
const bytesOf = new Map<string, Buffer>();

before(async () => {
  reg = await startRegistry({ root: await mkdtemp(join(tmpdir(), 'stowage-gc-stress-')) });
  driver = new FilesystemDriver(reg.root);
});
after(async () => {
  await reg.close();
  await rm(reg.root, { recursive: true, force: true });
});

interface Image {
  digest: string;
  bytes: Buffer;
  blobs: Descriptor[];
}

function blob(size: number): Descriptor {
  const data = randomBytes(size);
  const digest = sha256(data);
  bytesOf.set(digest, data);
  return { mediaType: MT.ociLayer, digest, size };
}

function image(layers: Descriptor[]): Image {
  const configData = Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', nonce: randomBytes(8).toString('hex') }));
  const config = { mediaType: MT.ociConfig, digest: sha256(configData), size: configData.length };
  bytesOf.set(config.digest, configData);
  const bytes = manifestBytes({ schemaVersion: 2, mediaType: MT.ociManifest, config, layers });
  return { digest: sha256(bytes), bytes, blobs: [config, ...layers] };
}

/** What a client does before a manifest PUT: HEAD each blob, upload (or mount) only what is missing. */
async function ensureBlobs(c: HttpClient, repo: string, blobs: Descriptor[], counters: { found: number }, from?: string): Promise<void> {
  for (const d of blobs) {
    if ((await c.head(`/v2/${repo}/blobs/${d.digest}`)).status === 200) {
      counters.found++;
      continue;
    }
    if (from) {
      const mount = await c.post(`/v2/${repo}/blobs/uploads/?mount=${d.digest}&from=${from}`, { headers: { 'content-length': '0' } });
      if (mount.status === 201) continue;
    }
    await pushBlob(c, repo, bytesOf.get(d.digest)!);
  }
}

async function putTagged(c: HttpClient, repo: string, img: Image, tag: string): Promise<void> {
  const res = await putManifest(c, repo, tag, { bytes: img.bytes, mediaType: MT.ociManifest });
  assert.equal(res.status, 201, `a push whose blobs the client found or uploaded succeeds: ${res.describe()}`);
}

async function client(index: number, until: number, stats: { pushes: number; found: number; deletes: number; pulls: number }): Promise<void> {
  const c = newClient(reg.url);
  const repo = `stress/client${index}`;
  const neighbour = `stress/client${(index + 1) % CLIENTS}`;
  const base = blob(3000);
  const history: Image[] = [];
  let step = 0;
  while (Date.now() < until) {
    step++;
    const tag = `t${step % 3}`;
    const action = step % 5;
    if (action === 0 && history.length > 2) {
      // Delete an older manifest by digest (it may already be gone).
      const victim = history[Math.floor(Math.random() * (history.length - 1))]!;
      const res = await c.delete(`/v2/${repo}/manifests/${victim.digest}`);
      assert.ok(res.status === 202 || res.status === 404, res.describe());
      stats.deletes++;
    } else if (action === 1 && history.length > 0) {
      // Reuse an old image's blobs: HEAD them, upload only what is gone, push it under a tag again.
      const old = history[Math.floor(Math.random() * history.length)]!;
      await ensureBlobs(c, repo, old.blobs, stats, neighbour);
      await putTagged(c, repo, old, tag);
      stats.pushes++;
    } else if (action === 2) {
      // Pull every tag of this repository: tags are only moved by this client, so each must pull whole.
      const list = await c.get(`/v2/${repo}/tags/list`);
      if (list.status === 200) for (const t of list.json<{ tags: string[] }>().tags ?? []) await pullComplete(c, repo, t);
      stats.pulls++;
    } else {
      const img = image([base, blob(500 + Math.floor(Math.random() * 2000))]);
      await ensureBlobs(c, repo, img.blobs, stats);
      await putTagged(c, repo, img, tag);
      history.push(img);
      stats.pushes++;
    }
  }
}

async function collector(until: number, stats: { runs: number; removed: number }): Promise<void> {
  let n = 0;
  while (Date.now() < until) {
    n++;
    try {
      const report = await collectGarbage(driver, { graceMs: 0, ...(n % 2 === 0 ? { untagged: { delete: true, ageMs: 0 } } : {}) });
      stats.runs++;
      stats.removed += report.blobs.removed + report.manifests.removed + report.layerLinks.removed;
    } catch (err) {
      if (!isStowageError(err, 'GC_RUNNING')) throw err;
    }
  }
}

/** Digests the remaining manifest revisions are or reference, read from the root as distribution would. */
async function referencedOnDisk(root: string): Promise<Set<string>> {
  const referenced = new Set<string>();
  const repositories = join(v2Root(root), 'repositories', 'stress');
  for (const repo of await readdir(repositories)) {
    const revisions = join(repositories, repo, '_manifests', 'revisions', 'sha256');
    for (const hex of await readdir(revisions).catch(() => [])) {
      if (
        !(await readFile(join(revisions, hex, 'link')).then(
          () => true,
          () => false,
        ))
      )
        continue;
      const digest = `sha256:${hex}`;
      referenced.add(digest);
      const json = JSON.parse((await readFile(blobDataPath(root, digest))).toString()) as { config: Descriptor; layers: Descriptor[] };
      for (const d of [json.config, ...json.layers]) referenced.add(d.digest);
    }
  }
  return referenced;
}

test('clients and back-to-back collections for a while: nothing a client relied on is lost, and the garbage goes', async () => {
  const until = Date.now() + DURATION_MS;
  const stats = { pushes: 0, found: 0, deletes: 0, pulls: 0 };
  const gc = { runs: 0, removed: 0 };
  await Promise.all([...Array.from({ length: CLIENTS }, (_, i) => client(i, until, stats)), collector(until, gc)]);
  assert.ok(gc.runs >= 5, `collections ran: ${JSON.stringify(gc)}`);
  assert.ok(gc.removed > 0, `and removed something while clients ran: ${JSON.stringify(gc)}`);
  assert.ok(stats.found > 0 && stats.deletes > 0 && stats.pulls > 0, JSON.stringify(stats));

  const c = newClient(reg.url);
  for (let i = 0; i < CLIENTS; i++) {
    const list = await c.get(`/v2/stress/client${i}/tags/list`);
    for (const t of list.json<{ tags: string[] }>().tags) await pullComplete(c, `stress/client${i}`, t);
  }
  for (const digest of await blobsOnDisk(reg.root)) {
    const hex = createHash('sha256')
      .update(await readFile(blobDataPath(reg.root, digest)))
      .digest('hex');
    assert.equal(`sha256:${hex}`, digest, 'every blob hashes to its name');
  }

  await age(reg.root, 2 * 3600_000);
  await collectGarbage(driver, { graceMs: 0 });
  assert.deepEqual(await quarantined(reg.root), []);
  assert.deepEqual(
    [...(await blobsOnDisk(reg.root))].sort(),
    [...(await referencedOnDisk(reg.root))].sort(),
    'past the window, exactly the referenced blobs remain',
  );
});
