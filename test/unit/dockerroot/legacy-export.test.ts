// Exporting images of a pre-1.10 root: each layer's tar rebuilt from tar-data.json.gz and
// hashed into a diff ID, the image served with a synthesised v1.2 config and schema 2
// manifest, and copied into an OCI layout. The root is written by test/support/legacy-root.ts
// from the formats (no engine that writes them runs here); its tar-splits are encoded from
// real tars, so the rebuilt layers must equal those tars byte for byte.

import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { isStowageError } from '../../../src/errors/error.js';
import { loadLegacyRoot } from '../../../src/dockerroot/legacy/index.js';
import type { DockerRootView } from '../../../src/dockerroot/model.js';
import { copyImage } from '../../../src/transport/copy.js';
import { OciLayoutSink } from '../../../src/transport/oci-layout.js';
import { writeLegacyRoot, type LegacyFixture } from '../../support/legacy-root.js';

const sha256 = (bytes: Buffer): string => `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
/** The diff ID of an empty layer (a tar of just its two end blocks), which every CMD/ENV step of docker 1.9 made. */
const EMPTY_TAR_DIFF_ID = 'sha256:5f70bf18a086007016e948b04aed3b82103a36bea41755b6cddfaf10ace3c6ef';

interface Exported {
  manifest: { mediaType: string; config: { digest: string }; layers: Array<{ mediaType: string; digest: string; size: number }> };
  config: { rootfs: { type: string; diff_ids: string[] }; history: Array<Record<string, unknown>>; [key: string]: unknown };
  configBytes: Buffer;
  blob(digest: string): Promise<Buffer>;
}

async function exportTo(view: DockerRootView, id: string, layout: string): Promise<Exported> {
  const image = view.images.find((i) => i.id === id);
  assert.ok(image);
  const source = await view.openSource(image);
  const sink = await OciLayoutSink.create(layout, 'legacy');
  try {
    await copyImage(source, sink);
  } finally {
    await sink.close();
    await source.close();
  }
  const blob = (digest: string): Promise<Buffer> => readFile(path.join(layout, 'blobs', 'sha256', digest.slice('sha256:'.length)));
  const index = JSON.parse(await readFile(path.join(layout, 'index.json'), 'utf8')) as { manifests: Array<{ digest: string }> };
  const manifest = JSON.parse((await blob(index.manifests[0]?.digest as string)).toString('utf8')) as Exported['manifest'];
  const configBytes = await blob(manifest.config.digest);
  return { manifest, config: JSON.parse(configBytes.toString('utf8')) as Exported['config'], configBytes, blob };
}

for (const driver of ['aufs', 'vfs'] as const) {
  describe(`legacy export (${driver})`, () => {
    let dir: string;
    let fixture: LegacyFixture;
    let view: DockerRootView;
    let exported: Exported;

    before(async () => {
      dir = await mkdtemp(path.join(tmpdir(), `stowage-legacy-export-${driver}-`));
      fixture = await writeLegacyRoot(path.join(dir, 'docker'), { driver });
      view = await loadLegacyRoot(fixture.root);
      exported = await exportTo(view, fixture.ids.top as string, path.join(dir, 'layout'));
    });
    after(() => rm(dir, { recursive: true, force: true }));

    const chain = (): string[] => [fixture.ids.base, fixture.ids.mid, fixture.ids.top] as string[];

    it('computes diff IDs as sha256 of the original layer tars', () => {
      const expected = chain().map((id) => sha256(fixture.tars.get(id) as Buffer));
      assert.deepEqual(exported.config.rootfs, { type: 'layers', diff_ids: expected });
      assert.equal(expected[2], EMPTY_TAR_DIFF_ID);
    });

    it('serves a schema 2 manifest of uncompressed layers whose blobs are the original tars', async () => {
      assert.equal(exported.manifest.mediaType, 'application/vnd.docker.distribution.manifest.v2+json');
      for (const [i, id] of chain().entries()) {
        const tar = fixture.tars.get(id) as Buffer;
        const layer = exported.manifest.layers[i];
        assert.deepEqual(layer, { mediaType: 'application/vnd.docker.image.rootfs.diff.tar', size: tar.length, digest: sha256(tar) });
        assert.ok((await exported.blob(sha256(tar))).equals(tar));
      }
    });

    it('synthesises the config docker 1.10 would have migrated to', () => {
      const { config } = exported;
      for (const field of ['id', 'parent', 'Size']) assert.equal(field in config, false, `${field} dropped`);
      assert.equal(config.architecture, 'amd64');
      assert.equal(config.os, 'linux');
      assert.equal(config.created, '2015-11-03T20:11:27.370000000Z');
      assert.deepEqual((config.config as { Cmd: string[] }).Cmd, ['/bin/sh']);
      assert.deepEqual(
        config.history.map((h) => h.created_by),
        ['/bin/sh -c #(nop) ADD file:0a1b2c in /', '/bin/sh -c echo app > /etc/app.conf && rm /etc/motd', '/bin/sh -c #(nop) CMD ["/bin/sh"]'],
      );
      assert.deepEqual(config.history[0], {
        created: '2015-11-03T20:11:27.37Z',
        author: 'Fixture <fixture@example.com>',
        created_by: '/bin/sh -c #(nop) ADD file:0a1b2c in /',
      });
      // Go's encoding: keys sorted, HTML characters escaped.
      const keys = Object.keys(config);
      assert.deepEqual(keys, [...keys].sort());
      const text = exported.configBytes.toString('utf8');
      assert.ok(text.includes('echo app \\u003e /etc/app.conf \\u0026\\u0026 rm'));
      assert.ok(!text.includes('>') && !text.includes('&'));
    });

    it('fills the diff IDs into the view once computed', () => {
      assert.deepEqual(
        chain().map((id) => view.layers.find((l) => l.chainId === id)?.diffId),
        exported.config.rootfs.diff_ids,
      );
    });
  });
}

describe('legacy export refusals', () => {
  let dir: string;
  let fixture: LegacyFixture;
  let view: DockerRootView;

  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'stowage-legacy-refuse-'));
    fixture = await writeLegacyRoot(path.join(dir, 'docker'), { faults: true });
    view = await loadLegacyRoot(fixture.root);
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it('refuses an image whose parent is missing, naming it', async () => {
    const lonely = view.images.find((i) => i.id === fixture.ids.lonely);
    assert.ok(lonely);
    await assert.rejects(view.openSource(lonely), (err: unknown) => {
      assert.ok(isStowageError(err, 'LAYER_INVALID'));
      assert.match(err.message, new RegExp(`names parent ${fixture.missingParent}`));
      return true;
    });
  });
});
