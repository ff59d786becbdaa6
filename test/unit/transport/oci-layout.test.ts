import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { Digest } from '../../../src/digest/digest.js';
import { OciLayoutSink, OciLayoutSource } from '../../../src/transport/oci-layout.js';
import { ANNOTATION_REF_NAME, assertSameImage as assertSameLayout, readIndexJson, writeImageLayout } from '../../support/oci-layout.js';
import { copyByHand, readAll, rejectsWith, runTransportSuite } from './transport-suite.js';

runTransportSuite(
  'oci layout',
  async () => {
    const root = await mkdtemp(join(tmpdir(), 'stowage-oci-layout-'));
    const dir = join(root, 'layout');
    return {
      sink: (ref) => OciLayoutSink.create(dir, ref),
      source: (ref) => OciLayoutSource.open(dir, ref),
      cleanup: () => rm(root, { recursive: true, force: true }),
    };
  },
  { accumulates: true },
);

describe('OCI layout on disk', () => {
  let root: string;
  let fixtures: string;
  let dest: string;

  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'stowage-oci-layout-disk-'));
    fixtures = join(root, 'fixtures');
    dest = join(root, 'dest');
  });
  afterEach(async () => {
    await rm(root, { recursive: true, force: true });
  });

  const copy = async (tag: string, ref: string | undefined, into = dest): Promise<void> => {
    const source = await OciLayoutSource.open(fixtures, tag);
    const sink = await OciLayoutSink.create(into, ref);
    try {
      await copyByHand(source, sink);
    } finally {
      await sink.close();
      await source.close();
    }
  };

  it('writes a layout the fixture reader finds identical, with the ref annotated', async () => {
    await writeImageLayout(fixtures, { layers: 3, seed: 'disk', tag: 'v1' });
    await copy('v1', 'app:v1');
    await assertSameLayout(fixtures, 'v1', dest, 'app:v1');
    assert.deepEqual(JSON.parse(await readFile(join(dest, 'oci-layout'), 'utf8')), { imageLayoutVersion: '1.0.0' });
  });

  it('replaces the entry of the same ref, and does not duplicate an unnamed digest', async () => {
    const a = await writeImageLayout(fixtures, { layers: 1, seed: 'a', tag: 'a' });
    const b = await writeImageLayout(fixtures, { layers: 1, seed: 'b', tag: 'b' });
    await copy('a', 'same');
    await copy('b', 'same');
    await copy('a', undefined);
    await copy('a', undefined);
    const index = await readIndexJson(dest);
    assert.deepEqual(
      index.manifests.map((m) => [m.digest, m.annotations?.[ANNOTATION_REF_NAME]]),
      [
        [b.digest, 'same'],
        [a.digest, undefined],
      ],
    );
  });

  it('adds to an existing layout, keeping its tags', async () => {
    await writeImageLayout(fixtures, { layers: 1, seed: 'existing', tag: 'kept' });
    const added = await writeImageLayout(join(root, 'other'), { layers: 2, seed: 'added', tag: 'x' });
    const source = await OciLayoutSource.open(join(root, 'other'), 'x');
    const sink = await OciLayoutSink.create(fixtures, 'added');
    await copyByHand(source, sink);
    await sink.close();
    const refs = (await readIndexJson(fixtures)).manifests.map((m) => m.annotations?.[ANNOTATION_REF_NAME]);
    assert.deepEqual(refs, ['kept', 'added']);
    assert.equal((await (await OciLayoutSource.open(fixtures, 'added')).getManifest()).digest.toString(), added.digest);
  });

  it('leaves no temporary file after a failed blob and close', async () => {
    const sink = await OciLayoutSink.create(dest, 'x');
    const digest = Digest.of('whatever').toString();
    const failing = new Readable({
      read() {
        this.push(Buffer.from('what'));
        this.destroy(new Error('boom'));
      },
    });
    await assert.rejects(sink.putBlob({ mediaType: 'application/octet-stream', digest, size: 8 }, failing), /boom/);
    await sink.close();
    assert.deepEqual(await readdir(join(dest, 'blobs', 'sha256')), []);
    assert.deepEqual((await readdir(dest)).sort(), ['blobs', 'oci-layout']);
  });

  it('selects an image by @N and refuses to guess between several', async () => {
    const a = await writeImageLayout(fixtures, { layers: 1, seed: 'n0', tag: 'first' });
    const b = await writeImageLayout(fixtures, { layers: 1, seed: 'n1', tag: 'second' });
    assert.equal((await (await OciLayoutSource.open(fixtures, '@0')).getManifest()).digest.toString(), a.digest);
    assert.equal((await (await OciLayoutSource.open(fixtures, '@1')).getManifest()).digest.toString(), b.digest);
    await rejectsWith(OciLayoutSource.open(fixtures), 'REFERENCE_INVALID', new RegExp(`holds 2 images; name one with oci:${fixtures}:REF`));
    await rejectsWith(OciLayoutSource.open(fixtures, 'third'), 'MANIFEST_UNKNOWN', /no image "third" .*"first", "second"/);
  });

  it('refuses a directory that is not a layout, or of an unknown version', async () => {
    await rejectsWith(OciLayoutSource.open(join(root, 'nothing')), 'PATH_NOT_FOUND', /no oci-layout file/);
    await writeImageLayout(fixtures, { layers: 1, seed: 'v', tag: 'v' });
    await writeFile(join(fixtures, 'oci-layout'), '{"imageLayoutVersion":"2.0.0"}');
    await rejectsWith(OciLayoutSource.open(fixtures, 'v'), 'MANIFEST_INVALID', /unsupported OCI layout version "2.0.0"/);
    await rejectsWith(OciLayoutSink.create(fixtures, 'v'), 'MANIFEST_INVALID', /unsupported OCI layout version/);
  });

  it('refuses corrupt manifests and blobs of the wrong size, and manifests over 4 MiB', async () => {
    const image = await writeImageLayout(fixtures, { layers: 1, seed: 'corrupt', tag: 'c' });
    const source = await OciLayoutSource.open(fixtures, 'c');
    const layer = image.layers[0]!;
    await rejectsWith(source.getBlob({ mediaType: 'application/octet-stream', digest: layer.digest, size: layer.size + 1 }), 'SIZE_INVALID');
    assert.equal((await readAll(await source.getBlob({ mediaType: 'x/y', digest: layer.digest, size: layer.size }))).length, layer.size);
    const hex = image.digest.slice('sha256:'.length);
    await writeFile(join(fixtures, 'blobs', 'sha256', hex), Buffer.concat([image.manifest, Buffer.from(' ')]));
    await rejectsWith(source.getManifest(), 'DIGEST_INVALID');
    const huge = Buffer.alloc(5 << 20, 0x20);
    const hugeDigest = Digest.of(huge);
    await writeFile(join(fixtures, 'blobs', 'sha256', hugeDigest.hex), huge);
    await rejectsWith(source.getManifest(hugeDigest), 'MANIFEST_TOO_LARGE');
  });

  it('refuses a ref that is not an OCI ref name', async () => {
    await rejectsWith(OciLayoutSink.create(dest, 'bad ref'), 'REFERENCE_INVALID');
    await rejectsWith(OciLayoutSink.create(dest, '-x'), 'REFERENCE_INVALID');
  });
});
