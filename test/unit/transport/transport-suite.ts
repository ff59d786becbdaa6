import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { Digest, Digester } from '../../../src/digest/index.js';
import { isStowageError, type ErrorCode } from '../../../src/errors/error.js';
import type { Descriptor } from '../../../src/oci/descriptor.js';
import { parseManifest } from '../../../src/oci/manifest.js';
import { OciLayoutSource } from '../../../src/transport/oci-layout.js';
import type { ImageSink, ImageSource } from '../../../src/transport/types.js';
import type { ManifestBytes } from '../../../src/oci/manifest-bytes.js';
import { writeImageLayout, writeIndexLayout, type BuiltImage, type BuiltIndex } from '../../support/oci-layout.js';

export interface TransportHarness {
  sink(ref?: string): Promise<ImageSink>;
  source(ref?: string): Promise<ImageSource>;
  cleanup(): Promise<void>;
}

export interface TransportSuiteOptions {
  /**
   * Whether a second write adds to the destination (an OCI layout keeps its other refs) or
   * replaces it (archives are written anew, as skopeo does).
   */
  accumulates?: boolean;
  /**
   * A registry: a reference always names its image (no "the only image" without one), and
   * every tag written stays. The layout-only checks are skipped.
   */
  registry?: boolean;
}

/** Refs valid both as OCI ref names and as docker references, so every transport takes them. */
export const REF_A = 'stowage-suite:one';
export const REF_B = 'stowage-suite:two';

export async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.from(chunk as Uint8Array));
  return Buffer.concat(chunks);
}

export async function rejectsWith(promise: Promise<unknown>, code: ErrorCode, message?: RegExp): Promise<void> {
  await assert.rejects(promise, (err: unknown) => {
    assert.ok(isStowageError(err, code), `expected ${code}, got ${String(err)}`);
    if (message) assert.match(err.message, message);
    return true;
  });
}

/** What copyImage does, by hand (the shared copier is tested elsewhere): blobs, children, top, commit. */
export async function copyByHand(source: ImageSource, sink: ImageSink): Promise<ManifestBytes> {
  const top = await source.getManifest();
  await putTree(source, sink, top, true);
  await sink.commit();
  return top;
}

async function putTree(source: ImageSource, sink: ImageSink, manifest: ManifestBytes, top: boolean): Promise<void> {
  const parsed = parseManifest(manifest.bytes, manifest.mediaType);
  for (const child of parsed.manifests) {
    await putTree(source, sink, await source.getManifest(Digest.parse(child.digest)), false);
  }
  for (const blob of [...(parsed.config ? [parsed.config] : []), ...parsed.layers]) {
    if (await sink.hasBlob(blob)) continue;
    const verified = (await source.getBlob(blob)).pipe(new Digester({ expected: Digest.parse(blob.digest), expectedSize: blob.size }));
    await sink.putBlob(blob, verified);
  }
  await sink.putManifest(manifest, { top });
}

/** Same manifest bytes, digest and media type at every level, and the same bytes for every blob. */
export async function assertSameImage(expected: ImageSource, actual: ImageSource, digest?: Digest): Promise<void> {
  const a = await expected.getManifest(digest);
  const b = await actual.getManifest(digest);
  assert.equal(b.digest.toString(), a.digest.toString());
  assert.equal(b.mediaType, a.mediaType);
  assert.ok(b.bytes.equals(a.bytes), `manifest ${a.digest} bytes differ`);
  const parsed = parseManifest(a.bytes, a.mediaType);
  for (const child of parsed.manifests) await assertSameImage(expected, actual, Digest.parse(child.digest));
  for (const blob of [...(parsed.config ? [parsed.config] : []), ...parsed.layers]) {
    const bytes = await readAll(await actual.getBlob(blob));
    assert.equal(Digest.of(bytes).toString(), blob.digest, `blob ${blob.digest} read back`);
    assert.ok(bytes.equals(await readAll(await expected.getBlob(blob))));
  }
}

async function withSource<T>(open: Promise<ImageSource>, use: (source: ImageSource) => Promise<T>): Promise<T> {
  const source = await open;
  try {
    return await use(source);
  } finally {
    await source.close();
  }
}

async function writeImage(harness: TransportHarness, from: ImageSource, ref?: string): Promise<ManifestBytes> {
  const sink = await harness.sink(ref);
  try {
    return await copyByHand(from, sink);
  } finally {
    await sink.close();
  }
}

/** A stream that yields some bytes, then fails, as a broken download does. */
function failingStream(bytes: Buffer): Readable {
  return new Readable({
    read() {
      this.push(bytes.subarray(0, Math.floor(bytes.length / 2)));
      this.destroy(new Error('connection reset'));
    },
  });
}

export function runTransportSuite(name: string, make: () => Promise<TransportHarness>, options: TransportSuiteOptions = {}): void {
  describe(`transport conformance: ${name}`, () => {
    let fixtures: string;
    let image: BuiltImage;
    let other: BuiltImage;
    let index: BuiltIndex;
    const fixture = (ref: string): Promise<ImageSource> => OciLayoutSource.open(fixtures, ref);

    before(async () => {
      fixtures = await mkdtemp(join(tmpdir(), 'stowage-transport-fixtures-'));
      image = await writeImageLayout(fixtures, { layers: 3, seed: `suite-${name}`, tag: 'image' });
      other = await writeImageLayout(fixtures, { layers: 2, seed: `suite-${name}-other`, tag: 'other' });
      index = await writeIndexLayout(fixtures, {
        seed: `suite-${name}-index`,
        tag: 'index',
        platforms: [
          { os: 'linux', architecture: 'arm64', variant: 'v8' },
          { os: 'linux', architecture: 'amd64' },
        ],
      });
    });
    after(async () => {
      await rm(fixtures, { recursive: true, force: true });
    });

    it('copies a 3-layer image and reads back the same manifest and blobs', async () => {
      const harness = await make();
      try {
        const written = await withSource(fixture('image'), (src) => writeImage(harness, src, REF_A));
        assert.equal(written.digest.toString(), image.digest);
        await withSource(fixture('image'), (src) => withSource(harness.source(REF_A), (dst) => assertSameImage(src, dst)));
        // The only image is found without naming it.
        if (!options.registry) {
          await withSource(harness.source(), async (dst) => assert.equal((await dst.getManifest()).digest.toString(), image.digest));
        }
        await withSource(harness.source(REF_A), async (dst) => {
          const absent: Descriptor = { mediaType: 'application/octet-stream', digest: `sha256:${'0'.repeat(64)}`, size: 1 };
          await rejectsWith(dst.getBlob(absent), 'BLOB_UNKNOWN');
          await rejectsWith(dst.getManifest(Digest.parse(absent.digest)), 'MANIFEST_UNKNOWN');
        });
      } finally {
        await harness.cleanup();
      }
    });

    it('copies a multi-arch index whole: the index, every child, every blob', async () => {
      const harness = await make();
      try {
        const written = await withSource(fixture('index'), (src) => writeImage(harness, src, REF_A));
        assert.equal(written.digest.toString(), index.digest);
        await withSource(fixture('index'), (src) => withSource(harness.source(REF_A), (dst) => assertSameImage(src, dst)));
        await withSource(harness.source(REF_A), async (dst) => {
          for (const child of index.images) {
            const manifest = await dst.getManifest(Digest.parse(child.digest));
            assert.ok(manifest.bytes.equals(child.manifest));
            assert.equal(manifest.mediaType, child.mediaType);
          }
        });
      } finally {
        await harness.cleanup();
      }
    });

    it(options.accumulates ? 'keeps two tags in one destination' : 'replaces the destination on a second write', async () => {
      const harness = await make();
      try {
        await withSource(fixture('image'), (src) => writeImage(harness, src, REF_A));
        await withSource(fixture('other'), (src) => writeImage(harness, src, REF_B));
        await withSource(harness.source(REF_B), async (dst) => assert.equal((await dst.getManifest()).digest.toString(), other.digest));
        await withSource(fixture('other'), (src) => withSource(harness.source(REF_B), (dst) => assertSameImage(src, dst)));
        if (options.accumulates) {
          await withSource(fixture('image'), (src) => withSource(harness.source(REF_A), (dst) => assertSameImage(src, dst)));
          if (!options.registry) await rejectsWith(harness.source(), 'REFERENCE_INVALID', /holds 2 images; name one with/);
        } else {
          await rejectsWith(harness.source(REF_A), 'MANIFEST_UNKNOWN', /stowage-suite:one/);
        }
      } finally {
        await harness.cleanup();
      }
    });

    it('leaves nothing behind for a blob whose stream fails, or whose bytes do not match', async () => {
      const harness = await make();
      try {
        await withSource(fixture('image'), async (src) => {
          const manifest = parseManifest((await src.getManifest()).bytes);
          const [layer, second] = manifest.layers;
          assert.ok(layer && second);
          const bytes = await readAll(await src.getBlob(layer));
          const sink = await harness.sink(REF_A);
          try {
            await assert.rejects(sink.putBlob(layer, failingStream(bytes)), /connection reset/);
            assert.equal(await sink.hasBlob(layer), false);
            // Right size, wrong bytes, through the copier's verifying stream: refused at its end.
            const wrong = Readable.from([Buffer.alloc(second.size, 7)]).pipe(
              new Digester({ expected: Digest.parse(second.digest), expectedSize: second.size }),
            );
            await rejectsWith(sink.putBlob(second, wrong), 'DIGEST_INVALID');
            assert.equal(await sink.hasBlob(second), false);
          } finally {
            await sink.close();
          }
        });
        // Never committed: no image under the ref.
        await assert.rejects(harness.source(REF_A), (err: unknown) => isStowageError(err));
      } finally {
        await harness.cleanup();
      }
    });

    it('refuses an unknown ref with a message naming it', async () => {
      const harness = await make();
      try {
        await withSource(fixture('image'), (src) => writeImage(harness, src, REF_A));
        await rejectsWith(harness.source('stowage-suite:missing'), 'MANIFEST_UNKNOWN', /stowage-suite:missing/);
      } finally {
        await harness.cleanup();
      }
    });
  });
}
