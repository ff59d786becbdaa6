// Loading a pre-1.10 Docker root. The roots are written by test/support/legacy-root.ts from
// the formats (docker 1.9's graph/, repositories-<driver>, aufs/ and vfs/ layouts): no engine
// that writes them runs here.

import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { isLegacyRoot, loadLegacyRoot } from '../../../src/dockerroot/legacy/index.js';
import type { DockerRootView } from '../../../src/dockerroot/model.js';
import { writeLegacyRoot, type LegacyFixture } from '../../support/legacy-root.js';

describe('legacy graph root (aufs)', () => {
  let dir: string;
  let fixture: LegacyFixture;
  let view: DockerRootView;

  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'stowage-legacy-'));
    fixture = await writeLegacyRoot(path.join(dir, 'docker'));
    view = await loadLegacyRoot(fixture.root);
  });
  after(() => rm(dir, { recursive: true, force: true }));

  const image = (key: string) => {
    const found = view.images.find((i) => i.id === fixture.ids[key]);
    assert.ok(found, `image ${key} listed`);
    return found;
  };

  it('is recognised and named by its driver', async () => {
    assert.equal(await isLegacyRoot(fixture.root), true);
    assert.equal(view.kind, 'legacy-graph');
    assert.equal(view.driver, 'aufs');
    assert.equal(view.root, fixture.root);
    assert.deepEqual(view.problems, []);
  });

  it('lists every graph image under its bare 64-hex legacy ID', () => {
    assert.deepEqual(view.images.map((i) => i.id).sort(), [fixture.ids.base, fixture.ids.mid, fixture.ids.top].sort());
    for (const i of view.images) assert.match(i.id, /^[a-f0-9]{64}$/);
  });

  it('reads tags and digests in familiar form', () => {
    assert.deepEqual(image('top').repoTags, ['ubuntu:14.04', 'ubuntu:latest']);
    assert.deepEqual(image('mid').repoTags, ['localhost:5000/team/app:1.0']);
    assert.deepEqual(image('mid').repoDigests, [`localhost:5000/team/app@sha256:${'d'.repeat(64)}`]);
    assert.deepEqual(image('base').repoTags, []);
  });

  it('keeps the json bytes as config and its parse, parents from the json', () => {
    const top = image('top');
    assert.equal(top.parent, fixture.ids.mid);
    assert.equal(image('base').parent, undefined);
    assert.equal(top.config.architecture, 'amd64');
    assert.equal(top.config.os, 'linux');
    assert.equal(top.config.docker_version, '1.9.1');
    assert.equal(top.config.created, '2015-11-03T20:11:27.370000000Z');
    assert.deepEqual((top.config.config as { Cmd: string[] }).Cmd, ['/bin/sh']);
    assert.ok(top.config.container_config);
    assert.equal(top.config.rootfs, undefined);
    assert.equal(JSON.parse(top.configBytes.toString('utf8')).id, fixture.ids.top);
    assert.deepEqual(top.paths, [path.join(fixture.root, 'graph', fixture.ids.top as string, 'json')]);
  });

  it('gives each image its chain of layers, root ancestor first, with sizes and tar-splits', () => {
    const top = image('top');
    assert.deepEqual(
      top.layers.map((l) => l.chainId),
      [fixture.ids.base, fixture.ids.mid, fixture.ids.top],
    );
    const [base, mid] = top.layers;
    assert.ok(base && mid);
    assert.equal(base.cacheId, fixture.ids.base);
    assert.equal(base.parent, undefined);
    assert.equal(mid.parent, fixture.ids.base);
    assert.equal(base.size, 12 + 20 + 29 * 40);
    assert.equal(base.directory, path.join(fixture.root, 'aufs', 'diff', fixture.ids.base as string));
    assert.equal(base.tarSplit, path.join(fixture.root, 'graph', fixture.ids.base as string, 'tar-data.json.gz'));
    // Unknown until an export hashes the rebuilt tar.
    assert.equal(base.diffId, '');
    // Layers are shared objects: the view's list and every image's chain.
    assert.equal(view.layers.length, 3);
    assert.ok(view.layers.includes(base));
    assert.equal(image('mid').layers[0], base);
  });

  it("lists a layer's paths: its graph side files and every aufs directory of its ID", () => {
    const id = fixture.ids.mid as string;
    const mid = view.layers.find((l) => l.chainId === id);
    assert.deepEqual(mid?.paths.sort(), [
      path.join(fixture.root, 'aufs', 'diff', id),
      path.join(fixture.root, 'aufs', 'layers', id),
      path.join(fixture.root, 'aufs', 'mnt', id),
      path.join(fixture.root, 'graph', id, 'layersize'),
      path.join(fixture.root, 'graph', id, 'tar-data.json.gz'),
    ]);
  });

  it('reads the container, its writable and init layers', () => {
    assert.equal(view.containers.length, 1);
    const [c] = view.containers;
    const id = fixture.containerId;
    assert.equal(c?.id, id);
    assert.equal(c?.name, 'web');
    assert.equal(c?.image, fixture.ids.top);
    assert.equal(c?.parent, fixture.ids.top);
    assert.equal(c?.mountId, id);
    assert.equal(c?.initId, `${id}-init`);
    assert.equal(c?.directory, path.join(fixture.root, 'aufs', 'diff', id));
    assert.equal(c?.imageName, 'ubuntu:14.04');
    assert.equal(c?.state, 'exited');
    assert.equal(c?.command, '/bin/sh -c sleep 1');
    assert.ok(c?.paths.includes(path.join(fixture.root, 'containers', id)));
    assert.ok(c?.paths.includes(path.join(fixture.root, 'aufs', 'diff', `${id}-init`)));
    assert.ok(c?.paths.includes(path.join(fixture.root, 'aufs', 'layers', id)));
  });

  it('lists named volumes', () => {
    assert.deepEqual(view.volumes, [{ name: 'data', directory: path.join(fixture.root, 'volumes', 'data', '_data') }]);
  });
});

describe('legacy graph root (vfs)', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'stowage-legacy-vfs-'));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it('takes the driver from repositories-vfs and layer files from vfs/dir', async () => {
    const fixture = await writeLegacyRoot(path.join(dir, 'docker'), { driver: 'vfs' });
    const view = await loadLegacyRoot(fixture.root);
    assert.equal(view.driver, 'vfs');
    assert.deepEqual(view.problems, []);
    const top = view.images.find((i) => i.id === fixture.ids.top);
    assert.deepEqual(top?.repoTags, ['ubuntu:14.04', 'ubuntu:latest']);
    assert.equal(top?.layers[2]?.directory, path.join(fixture.root, 'vfs', 'dir', fixture.ids.top as string));
    assert.equal(view.containers[0]?.directory, path.join(fixture.root, 'vfs', 'dir', fixture.containerId));
  });
});

describe('isLegacyRoot', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'stowage-legacy-detect-'));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it('is false for an empty directory and a missing one', async () => {
    await mkdir(path.join(dir, 'empty'));
    assert.equal(await isLegacyRoot(path.join(dir, 'empty')), false);
    assert.equal(await isLegacyRoot(path.join(dir, 'absent')), false);
  });

  it('is false once docker 1.10 has migrated the root (image/<driver>/imagedb beside the old graph/)', async () => {
    const fixture = await writeLegacyRoot(path.join(dir, 'migrated'));
    await mkdir(path.join(fixture.root, 'image', 'aufs', 'imagedb'), { recursive: true });
    assert.equal(await isLegacyRoot(fixture.root), false);
  });
});
