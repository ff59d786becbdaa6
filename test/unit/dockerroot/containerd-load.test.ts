import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { text } from 'node:stream/consumers';
import { after, before, describe, it } from 'node:test';
import { Digest } from '../../../src/digest/digest.js';
import type { ContainerdImage } from '../../../src/dockerroot/containerd/images.js';
import { isContainerdRoot, loadContainerdRoot } from '../../../src/dockerroot/containerd/load.js';
import type { DockerRootView } from '../../../src/dockerroot/model.js';
import { chainIds } from '../../../src/oci/config.js';
import { writeBolt, type BoltTree } from '../../support/bbolt-writer.js';

// A containerd root built by hand: meta.db and the snapshotter's metadata.db written with the
// test bbolt writer, blobs in the content store, snapshot directories. Layer blobs need not be
// real tars here: only their digests and sizes are read.

const sha = (data: string | Buffer): string => `sha256:${createHash('sha256').update(data).digest('hex')}`;

function uvarint(value: number): Buffer {
  const out: number[] = [];
  let v = BigInt(value);
  while (v >= 0x80n) {
    out.push(Number(v & 0x7fn) | 0x80);
    v >>= 7n;
  }
  out.push(Number(v));
  return Buffer.from(out);
}

const varint = (value: number): Buffer => uvarint(value >= 0 ? value * 2 : -value * 2 - 1);

function goTime(iso: string): Buffer {
  const ms = Date.parse(iso);
  const out = Buffer.alloc(15);
  out[0] = 1;
  out.writeBigInt64BE(BigInt(Math.floor(ms / 1000)) + 62_135_596_800n, 1);
  out.writeInt32BE((ms % 1000) * 1e6, 9);
  out.writeInt16BE(-1, 13);
  return out;
}

interface Blob {
  digest: string;
  size: number;
  bytes: Buffer;
}

class RootBuilder {
  readonly blobs = new Map<string, Buffer>();

  blob(data: string | Buffer): Blob {
    const bytes = Buffer.from(data);
    const digest = sha(bytes);
    this.blobs.set(digest, bytes);
    return { digest, size: bytes.length, bytes };
  }

  /** An image manifest with `layers` layers (content seeded by `seed`) and its config. */
  image(seed: string, layerSeeds: string[], platform = { architecture: 'amd64', os: 'linux' }): { manifest: Blob; diffIds: string[]; layers: Blob[] } {
    const layers = layerSeeds.map((s) => this.blob(`compressed ${s}`));
    const diffIds = layerSeeds.map((s) => sha(`tar ${s}`));
    const config = this.blob(
      JSON.stringify({ ...platform, created: '2024-01-01T00:00:00Z', rootfs: { type: 'layers', diff_ids: diffIds }, config: { Cmd: [seed] } }),
    );
    const manifest = this.blob(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: 'application/vnd.oci.image.manifest.v1+json',
        config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: config.digest, size: config.size },
        layers: layers.map((l) => ({ mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', digest: l.digest, size: l.size })),
      }),
    );
    return { manifest, diffIds, layers };
  }
}

const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
const OCI_INDEX = 'application/vnd.oci.image.index.v1+json';

function imageRecord(target: Blob, mediaType: string, updated: string): BoltTree {
  return {
    createdat: goTime('2024-01-01T00:00:00Z'),
    updatedat: goTime(updated),
    target: { digest: target.digest, mediatype: mediaType, size: varint(target.size) },
  };
}

describe('containerd store: loading a root', () => {
  let root: string;
  let outside: string;
  let view: DockerRootView;
  const b = new RootBuilder();
  // Two images sharing a base layer; a multi-arch index whose arm64 manifest was never fetched.
  const base = b.image('base', ['L0']);
  const app = b.image('app', ['L0', 'L1']);
  const amd = b.image('multi-amd64', ['M0']);
  const armManifest = b.image('multi-arm64', ['A0'], { architecture: 'arm64', os: 'linux' }).manifest;
  const index = b.blob(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: OCI_INDEX,
      manifests: [
        { mediaType: OCI_MANIFEST, digest: armManifest.digest, size: armManifest.size, platform: { architecture: 'arm64', os: 'linux', variant: 'v8' } },
        { mediaType: OCI_MANIFEST, digest: amd.manifest.digest, size: amd.manifest.size, platform: { architecture: 'amd64', os: 'linux' } },
      ],
    }),
  );
  const missingTarget = sha('never pulled');
  const [baseChain] = chainIds(base.diffIds.map((d) => Digest.parse(d))).map(String);
  const appChains = chainIds(app.diffIds.map((d) => Digest.parse(d))).map(String);
  const [multiChain] = chainIds(amd.diffIds.map((d) => Digest.parse(d))).map(String);
  const orphanChain = sha('orphan layer');

  before(async () => {
    root = await mkdtemp(join(tmpdir(), 'containerd-root-'));
    outside = await mkdtemp(join(tmpdir(), 'containerd-outside-'));
    // The arm64 manifest's blobs were never fetched, as containerd pulls one platform.
    for (const [digest, bytes] of b.blobs) {
      if (digest === armManifest.digest) continue;
      const dir = join(root, 'io.containerd.content.v1.content', 'blobs', 'sha256');
      await mkdir(dir, { recursive: true });
      await writeFile(join(dir, digest.slice(7)), bytes);
    }
    // A blob that is a symlink leading outside the root must not be followed.
    await writeFile(join(outside, 'secret'), 'secret');
    const linked = app.layers[1];
    assert.ok(linked);
    await rm(join(root, 'io.containerd.content.v1.content', 'blobs', 'sha256', linked.digest.slice(7)));
    await symlink(join(outside, 'secret'), join(root, 'io.containerd.content.v1.content', 'blobs', 'sha256', linked.digest.slice(7)));

    // The namespace's records: the backend key (`name`) is `<namespace>/<n>/<name>`, as containerd writes it.
    let n = 0;
    const snapshot = (name: string, parent?: string): [string, BoltTree] => [name, { name: `moby/${++n}/${name}`, ...(parent ? { parent } : {}) }];
    const nsSnapshots: BoltTree = Object.fromEntries([
      snapshot(baseChain!),
      snapshot(appChains[1]!, baseChain),
      snapshot(multiChain!),
      snapshot(orphanChain),
      snapshot('c1-init', appChains[1]),
      snapshot('c1', 'c1-init'),
      snapshot('extract-123-abc sha256:x', baseChain),
    ]);
    await writeDb(join(root, 'io.containerd.metadata.v1.bolt', 'meta.db'), {
      v1: {
        version: uvarint(3),
        moby: {
          images: {
            'docker.io/library/base:1': imageRecord(base.manifest, OCI_MANIFEST, '2024-02-01T00:00:00Z'),
            'docker.io/library/base:latest': imageRecord(base.manifest, OCI_MANIFEST, '2024-03-01T00:00:00Z'),
            'localhost:5000/team/app:2': imageRecord(app.manifest, OCI_MANIFEST, '2024-02-01T00:00:00Z'),
            'docker.io/library/multi:latest': imageRecord(index, OCI_INDEX, '2024-02-01T00:00:00Z'),
            'docker.io/library/broken:1': { target: { digest: missingTarget } },
            'docker.io/library/gone:latest': imageRecord({ digest: missingTarget, size: 10, bytes: Buffer.alloc(0) }, OCI_MANIFEST, '2024-02-01T00:00:00Z'),
          },
          snapshots: { overlayfs: nsSnapshots },
          containers: { c1: { image: 'localhost:5000/team/app:2', snapshotter: 'overlayfs', snapshotKey: 'c1', createdat: goTime('2024-04-01T00:00:00Z') } },
        },
        other: { images: {} },
      },
    });
    const kinds: Record<string, number> = { c1: 2, 'extract-123-abc sha256:x': 2 };
    const backend: BoltTree = {};
    let id = 10;
    for (const [name, value] of Object.entries(nsSnapshots)) {
      id++;
      const key = (value as BoltTree).name as string;
      backend[key] = { id: uvarint(id), kind: Buffer.from([kinds[name] ?? 3]), ...(kinds[name] ? {} : { size: varint(1000 + id), inodes: varint(3) }) };
      await mkdir(join(root, 'io.containerd.snapshotter.v1.overlayfs', 'snapshots', String(id), 'fs'), { recursive: true });
    }
    await writeDb(join(root, 'io.containerd.snapshotter.v1.overlayfs', 'metadata.db'), { v1: { snapshots: backend, parents: {} } }, 3);
    view = await loadContainerdRoot(root);
  });

  after(async () => {
    await rm(root, { recursive: true, force: true });
    await rm(outside, { recursive: true, force: true });
  });

  const byId = (digest: string): ContainerdImage => {
    const found = view.images.find((i) => i.id === digest);
    assert.ok(found, `no image ${digest}`);
    return found as ContainerdImage;
  };

  it('is recognised as a containerd root', async () => {
    assert.equal(await isContainerdRoot(root), true);
    assert.equal(await isContainerdRoot(outside), false);
    assert.equal(await isContainerdRoot(join(outside, 'nope')), false);
    assert.equal(view.kind, 'containerd');
    assert.equal(view.driver, 'overlayfs');
  });

  it('groups names by target: one image per target digest, familiar names, repo digests', () => {
    assert.deepEqual(view.images.map((i) => i.id).sort(), [base.manifest.digest, app.manifest.digest, index.digest].sort());
    const baseImage = byId(base.manifest.digest);
    assert.deepEqual(baseImage.repoTags, ['base:1', 'base:latest']);
    assert.deepEqual(baseImage.repoDigests, [`base@${base.manifest.digest}`]);
    assert.equal(baseImage.lastTagTime, '2024-03-01T00:00:00.000Z');
    assert.deepEqual(byId(app.manifest.digest).repoTags, ['localhost:5000/team/app:2']);
    assert.deepEqual(byId(app.manifest.digest).repoDigests, [`localhost:5000/team/app@${app.manifest.digest}`]);
  });

  it('chooses the host platform from an index and records both digests', () => {
    const multi = byId(index.digest);
    assert.equal(multi.manifestDigest, amd.manifest.digest);
    assert.deepEqual(multi.target, { digest: index.digest, mediaType: OCI_INDEX, size: index.size });
    assert.deepEqual(multi.config.rootfs?.diff_ids, amd.diffIds);
    assert.equal(multi.paths.length, 3, 'index, manifest and config blobs');
  });

  it('maps layers to snapshots by chain ID, shared between images', () => {
    const baseImage = byId(base.manifest.digest);
    const appImage = byId(app.manifest.digest);
    assert.equal(appImage.layers[0], baseImage.layers[0], 'the same layer object');
    const [l0, l1] = appImage.layers;
    assert.ok(l0 && l1);
    assert.equal(l0.chainId, baseChain);
    assert.equal(l1.chainId, appChains[1]);
    assert.equal(l1.parent, baseChain);
    assert.equal(l1.diffId, app.diffIds[1]);
    assert.equal(l0.cacheId, '11');
    assert.equal(l0.directory, join(root, 'io.containerd.snapshotter.v1.overlayfs', 'snapshots', '11', 'fs'));
    assert.equal(l0.size, 1011);
    assert.ok(l0.paths.includes(join(root, 'io.containerd.content.v1.content', 'blobs', 'sha256', base.layers[0]!.digest.slice(7))));
    // The symlinked blob leads outside the root: it is not listed as the layer's.
    assert.equal(l1.paths.filter((p) => p.includes('content')).length, 0, l1.paths.join(', '));
    assert.equal(appImage.sizeSource, 'snapshots');
    assert.equal(appImage.size, 1011 + 1012);
  });

  it('lists every committed layer, including ones no image names', () => {
    const chains = view.layers.map((l) => l.chainId).sort();
    assert.deepEqual(chains, [baseChain, appChains[1], multiChain, orphanChain].sort());
    const orphan = view.layers.find((l) => l.chainId === orphanChain);
    assert.equal(orphan?.diffId, orphanChain, 'a bottom layer: its chain ID is its diff ID');
    assert.equal(orphan?.cacheId, '14');
  });

  it('finds containers by their active snapshots, init layer included', () => {
    assert.equal(view.containers.length, 1, JSON.stringify(view.containers));
    const [c] = view.containers;
    assert.equal(c?.id, 'c1');
    assert.equal(c?.image, app.manifest.digest);
    assert.equal(c?.mountId, '16');
    assert.equal(c?.initId, '15');
    assert.equal(c?.parent, appChains[1]);
    assert.equal(c?.directory, join(root, 'io.containerd.snapshotter.v1.overlayfs', 'snapshots', '16', 'fs'));
  });

  it('reports a missing or incomplete target, and a blob linked outside the root, as problems', () => {
    assert.ok(
      view.problems.some((p) => p.includes('docker.io/library/gone:latest') && p.includes(missingTarget)),
      view.problems.join('\n'),
    );
    assert.ok(
      view.problems.some((p) => p.includes('"docker.io/library/broken:1": its target in meta.db is incomplete')),
      view.problems.join('\n'),
    );
    assert.ok(
      view.problems.some((p) => p.includes(`layer blob ${app.layers[1]!.digest}`) && p.includes('leads outside the Docker root')),
      view.problems.join('\n'),
    );
    assert.equal(view.problems.length, 3, view.problems.join('\n'));
  });

  it('serves the stored manifests and blobs byte for byte', async () => {
    const source = await view.openSource(byId(index.digest));
    const top = await source.getManifest();
    assert.equal(top.digest.toString(), index.digest);
    assert.deepEqual(top.bytes, index.bytes);
    const child = await source.getManifest(Digest.parse(amd.manifest.digest));
    assert.deepEqual(child.bytes, amd.manifest.bytes);
    const layer = amd.layers[0]!;
    assert.equal(await text(await source.getBlob({ mediaType: 'x/y', digest: layer.digest, size: layer.size })), layer.bytes.toString());
    await assert.rejects(source.getManifest(Digest.parse(armManifest.digest)), { code: 'MANIFEST_UNKNOWN' });
    const symlinked = app.layers[1]!;
    await assert.rejects(source.getBlob({ mediaType: 'x/y', digest: symlinked.digest, size: symlinked.size }), {
      code: 'PATH_INVALID',
      message: /leads outside the Docker root/,
    });
    await assert.rejects(source.getBlob({ mediaType: 'x/y', digest: sha('absent'), size: 1 }), { code: 'BLOB_UNKNOWN' });
    await source.close();
  });

  it('reads another namespace, and says when one is absent', async () => {
    const other = await loadContainerdRoot(root, { namespace: 'other' });
    assert.deepEqual(other.images, []);
    const absent = await loadContainerdRoot(root, { namespace: 'k8s.io' });
    assert.ok(
      absent.problems.some((p) => /namespace k8s\.io is not in .*meta\.db \(it has: moby, other\)/.test(p)),
      absent.problems.join('\n'),
    );
  });

  it('refuses a damaged meta.db with a clear error', async () => {
    const damaged = await mkdtemp(join(tmpdir(), 'containerd-damaged-'));
    try {
      await mkdir(join(damaged, 'io.containerd.metadata.v1.bolt'));
      await writeFile(join(damaged, 'io.containerd.metadata.v1.bolt', 'meta.db'), Buffer.alloc(8192, 7));
      await assert.rejects(loadContainerdRoot(damaged), { code: 'PATH_INVALID', message: /meta\.db: .*bad magic/ });
    } finally {
      await rm(damaged, { recursive: true, force: true });
    }
  });
});

async function writeDb(file: string, tree: BoltTree, maxElements = 1000): Promise<void> {
  await mkdir(join(file, '..'), { recursive: true });
  await writeFile(file, writeBolt(tree, { maxElements }));
}
