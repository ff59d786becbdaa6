// The containerd image store read by Stowage, against a real containerd (Debian's 1.6): a
// containerd of our own pulls images from a Stowage registry into namespace `moby` (as dockerd
// 29 does) and unpacks them with the overlayfs snapshotter. With the daemon running and again
// after it stopped, the loaded view must agree with what ctr says (`images ls`, `snapshots ls`,
// `snapshots usage`, `snapshots mounts`), and every image read back through openSource must
// copy into an OCI layout with the registry's own manifest digests.

import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { BoltFile } from '../../src/dockerroot/containerd/bbolt.js';
import type { ContainerdImage } from '../../src/dockerroot/containerd/images.js';
import { isContainerdRoot, loadContainerdRoot } from '../../src/dockerroot/containerd/load.js';
import type { DockerRootView } from '../../src/dockerroot/model.js';
import { copyImage } from '../../src/transport/copy.js';
import { OciLayoutSink } from '../../src/transport/oci-layout.js';
import { startContainerd, type Containerd } from '../support/containerd.js';
import { writeImageLayout, writeIndexLayout, type BuiltImage, type BuiltIndex } from '../support/oci-layout.js';
import { STOWAGE_CLI, makeTempDir, removeTempDirs, runOk, skopeo, stopAll } from '../support/process.js';
import { startRegistry, type TestRegistry } from '../support/registry.js';

const NS = ['-n', 'moby'];

interface CtrSnapshot {
  parent: string | undefined;
  kind: string;
}

/** What ctr says, gathered while containerd runs, to compare each loaded view with. */
interface CtrFacts {
  /** `images ls`: name -> target digest. */
  images: Map<string, string>;
  /** `snapshots ls`: key -> parent and kind. */
  snapshots: Map<string, CtrSnapshot>;
  /** `snapshots usage -b`: key -> bytes. */
  usage: Map<string, number>;
  /** `snapshots mounts` of the container's snapshot: its upper and lower directories. */
  containerMount: { upper: string; lower: string[] };
}

describe('the containerd image store, read from a real containerd root', () => {
  let registry: TestRegistry;
  let host: string;
  let containerd: Containerd;
  let base: BuiltImage;
  let app: BuiltImage;
  let multi: BuiltIndex;
  /** Pulled only while loads run, in the last test. */
  let late: BuiltImage;
  /** Docker schema 2, as skopeo converted it on push: its digest is the registry's. */
  let legacyDigest: string;
  let facts: CtrFacts;
  let running: DockerRootView;

  const ref = (name: string): string => `${host}/${name}`;
  const ctr = async (...args: string[]): Promise<string> => (await containerd.ctr([...NS, ...args])).stdout;

  before(async () => {
    const dir = await makeTempDir('stowage-ctd-fixtures-');
    registry = await startRegistry();
    host = new URL(registry.url).host;
    const src = join(dir, 'src');
    // Same seed: app's first layer is base's, so the two share a snapshot.
    base = await writeImageLayout(src, { layers: 1, seed: 'containerd-shared', tag: 'base' });
    app = await writeImageLayout(src, { layers: 2, seed: 'containerd-shared', tag: 'app' });
    await writeImageLayout(src, { layers: 1, seed: 'containerd-legacy', tag: 'legacy' });
    late = await writeImageLayout(src, { layers: 3, seed: 'containerd-late', tag: 'late', sizeBytes: 1 << 20 });
    multi = await writeIndexLayout(join(dir, 'multi'), {
      seed: 'containerd-multi',
      platforms: [
        { os: 'linux', architecture: 'amd64' },
        { os: 'linux', architecture: 'arm64', variant: 'v8' },
      ],
      tag: 'latest',
    });
    const push = (args: string[]) => skopeo(['copy', '--dest-tls-verify=false', ...args]);
    await push([`oci:${src}:base`, `docker://${ref('team/base:1')}`]);
    await push([`oci:${src}:app`, `docker://${ref('team/app:2')}`]);
    await push(['--format', 'v2s2', `oci:${src}:legacy`, `docker://${ref('team/legacy:v2s2')}`]);
    await push([`oci:${src}:late`, `docker://${ref('team/late:1')}`]);
    await push(['--all', `oci:${join(dir, 'multi')}:latest`, `docker://${ref('team/multi:latest')}`]);
    const raw = await skopeo(['inspect', '--raw', '--tls-verify=false', `docker://${ref('team/legacy:v2s2')}`]);
    legacyDigest = `sha256:${createHash('sha256').update(raw.stdout).digest('hex')}`;

    containerd = await startContainerd();
    for (const name of ['team/base:1', 'team/app:2', 'team/legacy:v2s2', 'team/multi:latest']) {
      await ctr('images', 'pull', '--plain-http', ref(name));
    }
    await ctr('images', 'tag', ref('team/base:1'), ref('team/base:again'));
    // A container: its writable layer is an active snapshot on top of app's layers.
    await ctr('containers', 'create', ref('team/app:2'), 'c1');
    facts = await gatherFacts();
    running = await loadContainerdRoot(containerd.root);
  });

  after(async () => {
    await containerd?.stop();
    await registry?.close();
    await stopAll();
    await removeTempDirs();
  });

  async function gatherFacts(): Promise<CtrFacts> {
    const images = new Map(rows(await ctr('images', 'ls')).map((r) => [r[0] as string, r[2] as string]));
    const snapshots = new Map(
      rows(await ctr('snapshots', 'ls')).map((r): [string, CtrSnapshot] =>
        r.length === 3 ? [r[0]!, { parent: r[1], kind: r[2]! }] : [r[0]!, { parent: undefined, kind: r[1]! }],
      ),
    );
    const usage = new Map(rows(await ctr('snapshots', 'usage', '-b')).map((r) => [r[0] as string, Number(r[1])]));
    const mount = await ctr('snapshots', 'mounts', '/mnt/unused', 'c1');
    const options = /-o (\S+)/.exec(mount)?.[1] ?? '';
    const option = (name: string): string => new RegExp(`(?:^|,)${name}=([^,]+)`).exec(options)?.[1] ?? '';
    return { images, snapshots, usage, containerMount: { upper: option('upperdir'), lower: option('lowerdir').split(':') } };
  }

  const image = (view: DockerRootView, name: string): ContainerdImage => {
    const found = view.images.find((i) => i.repoTags.includes(ref(name)));
    assert.ok(found, `${name} in ${view.images.map((i) => i.repoTags.join(',')).join(' ')}; problems: ${view.problems.join('; ')}`);
    return found as ContainerdImage;
  };

  /** Every check of a loaded view against what ctr said. */
  async function checkView(view: DockerRootView): Promise<void> {
    assert.equal(view.kind, 'containerd');
    assert.equal(view.driver, 'overlayfs');
    assert.deepEqual(view.problems, []);

    // Names and digests: what `ctr images ls` lists, name for name.
    const names = new Map(view.images.flatMap((i) => i.repoTags.map((t) => [t, i.id] as [string, string])));
    assert.deepEqual([...names].sort(), [...facts.images].sort());
    assert.equal(facts.images.size, 5);
    assert.equal(view.images.length, 4, 'base:1 and base:again are one image');
    assert.equal(image(view, 'team/base:1').id, base.digest);
    assert.equal(image(view, 'team/app:2').id, app.digest);
    assert.equal(image(view, 'team/legacy:v2s2').id, legacyDigest);
    assert.equal(image(view, 'team/multi:latest').id, multi.digest);
    assert.equal(image(view, 'team/multi:latest').manifestDigest, multi.images[0]?.digest, 'the amd64 manifest of the index');
    assert.deepEqual(image(view, 'team/base:again').repoDigests, [`${ref('team/base')}@${base.digest}`]);

    // Layers: every committed snapshot is a layer, with ctr's parent, usage and directory.
    const committed = [...facts.snapshots].filter(([, s]) => s.kind === 'Committed').map(([key]) => key);
    assert.deepEqual(view.layers.map((l) => l.chainId).sort(), committed.sort());
    for (const layer of view.layers) {
      assert.equal(layer.parent, facts.snapshots.get(layer.chainId)?.parent, `parent of ${layer.chainId}`);
      assert.equal(layer.size, facts.usage.get(layer.chainId), `size of ${layer.chainId}`);
      assert.ok(layer.directory && (await stat(layer.directory)).isDirectory(), `${layer.directory} of ${layer.chainId}`);
      assert.equal(layer.directory, join(containerd.root, 'io.containerd.snapshotter.v1.overlayfs', 'snapshots', layer.cacheId ?? '?', 'fs'));
    }
    const shared = image(view, 'team/app:2').layers[0];
    assert.equal(shared, image(view, 'team/base:1').layers[0], 'app and base share their first layer');
    for (const i of view.images) {
      assert.deepEqual(
        i.layers.map((l) => l.diffId),
        i.config.rootfs?.diff_ids,
      );
      for (const l of i.layers)
        assert.ok(
          l.paths.some((p) => p.includes('io.containerd.content.v1.content')),
          `compressed blob of ${l.chainId}`,
        );
    }

    // The container: its snapshot's directory is overlay's upperdir, the image's layers its lowerdirs.
    assert.equal(view.containers.length, 1);
    const [container] = view.containers;
    assert.equal(container?.id, 'c1');
    assert.equal(container?.image, app.digest);
    assert.equal(container?.parent, facts.snapshots.get('c1')?.parent);
    assert.equal(container?.directory, facts.containerMount.upper);
    assert.deepEqual(
      facts.containerMount.lower,
      image(view, 'team/app:2')
        .layers.map((l) => l.directory)
        .reverse(),
    );
  }

  /** Each image through openSource into an OCI layout: the registry's manifests, byte for byte. */
  async function checkCopies(view: DockerRootView): Promise<void> {
    const out = await makeTempDir('stowage-ctd-copy-');
    const expected: Array<[string, string, Buffer]> = [
      ['team/base:1', base.digest, base.manifest],
      ['team/app:2', app.digest, app.manifest],
      ['team/multi:latest', multi.images[0]!.digest, multi.images[0]!.manifest],
      ['team/legacy:v2s2', legacyDigest, Buffer.alloc(0)],
    ];
    for (const [name, digest, manifest] of expected) {
      const source = await view.openSource(image(view, name));
      const sink = await OciLayoutSink.create(out, name.replace(/[/:]/g, '-'));
      try {
        const result = await copyImage(source, sink);
        assert.equal(result.digest.toString(), digest, name);
        const stored = await readFile(join(out, 'blobs', 'sha256', digest.slice(7)));
        if (manifest.length > 0) assert.deepEqual(stored, manifest, `${name}: the manifest bytes as pushed`);
      } finally {
        await sink.close();
        await source.close();
      }
    }
    const index = await (await view.openSource(image(view, 'team/multi:latest'))).getManifest();
    assert.equal(index.digest.toString(), multi.digest);
    assert.deepEqual(index.bytes, multi.index);
  }

  it('is a containerd root whose meta.db the bbolt reader reads', async () => {
    assert.equal(await isContainerdRoot(containerd.root), true);
    const db = await BoltFile.read(join(containerd.root, 'io.containerd.metadata.v1.bolt', 'meta.db'));
    const names = db
      .bucketAt('v1', 'moby', 'images')
      ?.buckets()
      .map(([n]) => n);
    assert.deepEqual(names?.sort(), [...facts.images.keys()].sort());
  });

  it('agrees with ctr while containerd runs', async () => {
    await checkView(running);
  });

  it('serves each image byte-exact while containerd runs', async () => {
    await checkCopies(running);
  });

  it('the stowage docker verbs read it: images lists what ctr lists, export copies out byte-exact', async () => {
    const cli = (...args: string[]) => runOk(process.execPath, [STOWAGE_CLI, 'docker', ...args, '--docker-root', containerd.root]);
    const listed = (await cli('images', '--no-trunc', '--format', '{{.Repository}}:{{.Tag}} {{.ID}}')).stdout.trim().split('\n').sort();
    const expected = [...facts.images].map(([name, digest]) => `${name} ${digest}`).sort();
    assert.deepEqual(listed, expected);
    const info = (await cli('info')).stdout;
    assert.match(info, /Image Store: containerd image store/);
    const out = await makeTempDir('stowage-ctd-cli-');
    const digest = (await cli('export', ref('team/app:2'), `oci:${out}:app`)).stdout.trim().split('\n').pop();
    assert.equal(digest, facts.images.get(ref('team/app:2')));
  });

  it('reads the same after containerd stopped', async () => {
    await containerd.stop();
    const stopped = await loadContainerdRoot(containerd.root);
    await checkView(stopped);
    await checkCopies(stopped);
    assert.deepEqual(strip(stopped), strip(running));
  });

  it('loads while containerd writes: every load succeeds, the last one sees the new image', async (t) => {
    await containerd.restart();
    let pulling = true;
    const pull = ctr('images', 'pull', '--plain-http', ref('team/late:1'))
      .then(() => ctr('images', 'tag', ref('team/app:2'), ref('team/app:during')))
      .then(() => ctr('images', 'rm', ref('team/base:again')))
      .finally(() => (pulling = false));
    let loads = 0;
    while (pulling || loads === 0) {
      const view = await loadContainerdRoot(containerd.root);
      assert.ok(view.images.length >= 4, `load ${loads}: ${view.images.length} images; problems: ${view.problems.join('; ')}`);
      loads++;
    }
    await pull;
    t.diagnostic(`${loads} loads while containerd pulled, tagged and removed`);
    const after = await loadContainerdRoot(containerd.root);
    assert.equal(image(after, 'team/late:1').id, late.digest);
    assert.ok(
      image(after, 'team/late:1').layers.every((l) => l.cacheId !== undefined),
      'unpacked',
    );
    assert.equal(image(after, 'team/app:during').id, app.digest);
    assert.deepEqual(image(after, 'team/base:1').repoTags, [ref('team/base:1')]);
    assert.deepEqual(after.problems, []);
  });

  it("reads Docker 29's layout: containerd under <root>/containerd/daemon, containers' names and volumes from the Docker root", async () => {
    // Docker 29 names containers by 64-hex IDs in containerd and keeps their config in its own root.
    const id = 'ab'.repeat(32);
    await ctr('containers', 'create', ref('team/app:2'), id);
    await containerd.stop();
    const docker = await makeTempDir('stowage-docker29-');
    await mkdir(join(docker, 'containerd'), { recursive: true });
    await runOk('cp', ['-a', containerd.root, join(docker, 'containerd', 'daemon')]);
    await mkdir(join(docker, 'containers', id), { recursive: true });
    await writeFile(
      join(docker, 'containers', id, 'config.v2.json'),
      JSON.stringify({
        ID: id,
        Name: '/web',
        Path: '/bin/true',
        Args: [],
        Config: { Image: ref('team/app:2') },
        State: { Running: false, StartedAt: '0001-01-01T00:00:00Z' },
        MountPoints: { '/data': { Name: 'vol1', Type: 'volume' } },
      }),
    );
    await mkdir(join(docker, 'volumes', 'vol1', '_data'), { recursive: true });
    await writeFile(join(docker, 'volumes', 'vol1', '_data', 'f'), '12345');
    const cli = (...args: string[]) => runOk(process.execPath, [STOWAGE_CLI, 'docker', ...args, '--docker-root', docker]);
    assert.match((await cli('info')).stdout, /Image Store: containerd image store/);
    const df = JSON.parse((await cli('df', '-v', '--format', 'json')).stdout) as {
      Containers: Array<Record<string, string>>;
      Volumes: Array<Record<string, string>>;
    };
    const web = df.Containers.find((c) => c.ID === id);
    assert.ok(web, JSON.stringify(df.Containers));
    assert.equal(web.Names, 'web');
    assert.equal(web.Image, ref('team/app:2'));
    assert.equal(web.LocalVolumes, '1');
    assert.deepEqual(
      df.Volumes.map((v) => [v.Name, v.Links, v.Size]),
      [['vol1', '1', '5B']],
    );
  });
});

/** Whitespace-separated rows of a ctr table, header dropped. */
function rows(output: string): string[][] {
  return output
    .trim()
    .split('\n')
    .slice(1)
    .map((line) => line.trim().split(/\s+/));
}

/** A view without its functions, for comparing two loads. */
function strip(view: DockerRootView): unknown {
  return JSON.parse(JSON.stringify({ ...view, openSource: undefined }));
}
