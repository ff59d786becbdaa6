// tag, remove, prune and exportRootfs as a library, on a real local store: typed results,
// removal reported name by name, failures returned (not thrown) as docker's rmi counts them.

import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { copy } from '../../../src/ops/copy.js';
import { exportRootfs } from '../../../src/ops/export.js';
import { load } from '../../../src/ops/load.js';
import type { ProgressEvent } from '../../../src/ops/progress.js';
import { prune } from '../../../src/ops/prune.js';
import { remove } from '../../../src/ops/remove.js';
import { tag } from '../../../src/ops/tag.js';
import { ImageStore } from '../../../src/store/store.js';
import { EXPECTED_TREE, writeWhiteoutImage } from '../../support/whiteout-image.js';

describe('operations as a library: tag, remove, prune, exportRootfs', () => {
  let dir: string;
  let store: ImageStore;
  let id: string;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'stowage-ops-store-'));
    await writeWhiteoutImage(join(dir, 'layout'), 'w');
    await copy(`oci:${join(dir, 'layout')}:w`, `oci-archive:${join(dir, 'image.tar')}:example.com/wh/img:1`);
    store = await ImageStore.open(join(dir, 'store'));
    const loaded = await load({ store, input: join(dir, 'image.tar') });
    assert.deepEqual(
      loaded.map((l) => l.tags),
      [['example.com/wh/img:1']],
    );
    id = loaded[0]?.id ?? '';
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('exportRootfs: into an empty directory, and as a tar to a stream, whiteouts applied', async () => {
    const out = join(dir, 'rootfs');
    const result = await exportRootfs('example.com/wh/img:1', { store, to: { directory: out } });
    assert.deepEqual(result.skipped, []);
    assert.equal(await readFile(join(out, 'etc/replaced.conf'), 'utf8'), EXPECTED_TREE['etc/replaced.conf']);
    assert.deepEqual((await readdir(out, { recursive: true })).sort(), Object.keys(EXPECTED_TREE).sort(), 'whiteouts applied, none left as files');
    await assert.rejects(exportRootfs('example.com/wh/img:1', { store, to: { directory: out } }), {
      code: 'UNSUPPORTED',
      message: `${out} is not empty: export into an empty directory`,
    });

    const stream = new PassThrough();
    const chunks: Buffer[] = [];
    stream.on('data', (c: Buffer) => chunks.push(c));
    // The stream is asked for only once the image is found: a missing image is the error, not the stream's.
    let asked = 0;
    await assert.rejects(exportRootfs('no/such:image', { store, to: { tar: () => (asked++, stream) } }), { code: 'MANIFEST_UNKNOWN' });
    assert.equal(asked, 0);
    await exportRootfs('example.com/wh/img:1', { store, to: { tar: () => (asked++, stream) } });
    assert.equal(asked, 1);
    assert.ok(Buffer.concat(chunks).includes(Buffer.from('etc/replaced.conf')));
    assert.ok(!Buffer.concat(chunks).includes(Buffer.from('.wh.')), 'no whiteout entry in the tar');
  });

  it('tag, then remove: each name reported as it goes, failures returned, force forgiving only a missing name', async () => {
    await tag('example.com/wh/img:1', 'example.com/wh/img:2', { store });
    assert.deepEqual((await store.resolve(id)).repoTags.sort(), ['example.com/wh/img:1', 'example.com/wh/img:2']);

    const events: ProgressEvent[] = [];
    const result = await remove(['example.com/wh/img:2', 'no/such:image'], { store, onProgress: (e) => events.push(e) });
    assert.deepEqual(result.removed, [{ name: 'example.com/wh/img:2', events: [{ untagged: 'example.com/wh/img:2' }] }]);
    assert.deepEqual(events, [{ type: 'image-removed', name: 'example.com/wh/img:2', events: [{ untagged: 'example.com/wh/img:2' }] }]);
    assert.equal(result.failures.length, 1);
    assert.equal(result.failures[0]?.name, 'no/such:image');
    assert.equal(result.failed, true, 'without force a missing name fails the removal');
    assert.equal((await remove(['no/such:image'], { store, force: true })).failed, false, 'with force it does not');
  });

  it('prune: an untagged image goes with all, and the bytes freed are counted', async () => {
    assert.deepEqual((await prune({ store })).events, [], 'nothing dangles: the image is tagged');
    const result = await prune({ store, all: true, system: true });
    assert.deepEqual(result.events.slice(0, 2), [{ untagged: 'example.com/wh/img:1' }, { deleted: id }]);
    assert.ok(result.reclaimed > 0);
    assert.deepEqual(await store.list(), []);
  });
});
