// The ImageSource contract (src/transport/types.ts), checked the same way against every source,
// as go-containerregistry's pkg/v1/validate is run against every image kind: each source test
// in test/integration/transport/ builds a source holding a known image and hands it here.

import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { after, before, describe, it } from 'node:test';
import { Digest, Digester } from '../../src/digest/index.js';
import type { Descriptor } from '../../src/oci/descriptor.js';
import { parseManifest, type ParsedManifest } from '../../src/oci/manifest.js';
import { selectPlatform, type PlatformSpec } from '../../src/oci/platform.js';
import { copyImage } from '../../src/transport/copy.js';
import { OciLayoutSink, OciLayoutSource } from '../../src/transport/oci-layout.js';
import type { ImageSource } from '../../src/transport/types.js';
import type { ManifestBytes } from '../../src/oci/manifest-bytes.js';
import { readAll, rejectsWith } from '../unit/transport/transport-suite.js';

export interface SourceFixture {
  /** Opens a fresh source on the known image; the suite closes it. */
  open(): Promise<ImageSource>;
  /** What the source's top manifest is: one image, or an index of several. */
  kind: 'image' | 'index';
  /** The digest the top manifest must have, when the fixture knows it in advance. */
  digest?: string;
  /** Children of the index the source does not hold (containerd pulls one platform). */
  absentChildren?: string[];
  /** Removes what the fixture made. */
  cleanup?(): Promise<void>;
}

const ABSENT = `sha256:${'0'.repeat(63)}1`;

async function using<T>(fixture: SourceFixture, use: (source: ImageSource) => Promise<T>): Promise<T> {
  const source = await fixture.open();
  try {
    return await use(source);
  } finally {
    await source.close();
  }
}

/** Streams a blob through a digest-and-size check, as the copier does; returns the bytes. */
async function verifiedBlob(source: ImageSource, descriptor: Descriptor): Promise<Buffer> {
  const stream = await source.getBlob(descriptor);
  assert.ok(stream instanceof Readable, `getBlob(${descriptor.digest}) returns a Readable`);
  const chunks: Buffer[] = [];
  await pipeline(
    stream,
    new Digester({ expected: Digest.parse(descriptor.digest), expectedSize: descriptor.size }),
    async (verified: AsyncIterable<Buffer>) => {
      for await (const chunk of verified) chunks.push(chunk);
    },
  );
  return Buffer.concat(chunks);
}

function checkManifest(manifest: ManifestBytes, what: string): ParsedManifest {
  assert.equal(Digest.of(manifest.bytes, manifest.digest.algorithm).toString(), manifest.digest.toString(), `${what}: the digest is the bytes'`);
  const parsed = parseManifest(manifest.bytes, manifest.mediaType);
  assert.equal(parsed.mediaType, manifest.mediaType, `${what}: the media type is the manifest's`);
  const declared = (JSON.parse(manifest.bytes.toString('utf8')) as { mediaType?: unknown }).mediaType;
  if (declared !== undefined) assert.equal(declared, manifest.mediaType, `${what}: the media type its bytes declare`);
  return parsed;
}

/** The image manifests the source holds: the top one, or the index's children it has. */
async function imageManifests(
  source: ImageSource,
  fixture: SourceFixture,
): Promise<Array<{ manifest: ManifestBytes; parsed: ParsedManifest; platform?: PlatformSpec }>> {
  const top = await source.getManifest();
  const parsed = checkManifest(top, 'top manifest');
  if (parsed.kind !== 'index') return [{ manifest: top, parsed }];
  const out = [];
  for (const child of parsed.manifests) {
    if (fixture.absentChildren?.includes(child.digest)) continue;
    const manifest = await source.getManifest(Digest.parse(child.digest));
    out.push({ manifest, parsed: checkManifest(manifest, `child ${child.digest}`), ...(child.platform ? { platform: child.platform as PlatformSpec } : {}) });
  }
  return out;
}

export function runSourceConformance(name: string, setup: () => Promise<SourceFixture>): void {
  describe(`source conformance: ${name}`, () => {
    let fixture: SourceFixture;
    before(async () => {
      fixture = await setup();
    });
    after(async () => {
      await fixture?.cleanup?.();
    });

    it('serves its top manifest: bytes that hash to the digest, the same again and by digest', async () => {
      await using(fixture, async (source) => {
        assert.ok(source.name.length > 0, 'a name for messages');
        const top = await source.getManifest();
        const parsed = checkManifest(top, 'top manifest');
        assert.equal(parsed.kind, fixture.kind === 'index' ? 'index' : 'manifest');
        if (fixture.digest !== undefined) assert.equal(top.digest.toString(), fixture.digest);
        const again = await source.getManifest();
        assert.ok(again.bytes.equals(top.bytes), 'the same bytes on a second call');
        const byDigest = await source.getManifest(top.digest);
        assert.ok(byDigest.bytes.equals(top.bytes), 'the same bytes by digest');
        assert.equal(byDigest.mediaType, top.mediaType);
      });
    });

    it('serves each config blob as its manifest describes it: digest, size, and the image it names', async () => {
      await using(fixture, async (source) => {
        for (const { parsed, platform } of await imageManifests(source, fixture)) {
          assert.ok(parsed.config, 'an image manifest has a config');
          const config = JSON.parse((await verifiedBlob(source, parsed.config)).toString('utf8')) as {
            os?: unknown;
            architecture?: unknown;
            rootfs?: { diff_ids?: unknown[] };
          };
          assert.equal(typeof config.os, 'string');
          assert.equal(typeof config.architecture, 'string');
          assert.equal(config.rootfs?.diff_ids?.length, parsed.layers.length, 'one diff ID per layer');
          if (platform) assert.deepEqual([config.os, config.architecture], [platform.os, platform.architecture], 'the index entry names the config platform');
        }
      });
    });

    it('streams every layer blob with its digest and size, in parallel and again', async () => {
      await using(fixture, async (source) => {
        const layers = (await imageManifests(source, fixture)).flatMap(({ parsed }) => parsed.layers);
        assert.ok(layers.length > 0, 'the fixture has layers');
        const first = await Promise.all(layers.map((layer) => verifiedBlob(source, layer)));
        const again = await verifiedBlob(source, layers[0] as Descriptor);
        assert.ok(again.equals(first[0] as Buffer), 'a blob read twice is the same bytes');
      });
    });

    it('reads a blob whole after an earlier read of it was abandoned part way', async () => {
      await using(fixture, async (source) => {
        const [first] = await imageManifests(source, fixture);
        const layer = first?.parsed.layers[0] as Descriptor;
        const stream = await source.getBlob(layer);
        await new Promise<void>((resolve, reject) => {
          stream.once('data', () => resolve());
          stream.once('error', reject);
        });
        stream.destroy();
        assert.equal((await verifiedBlob(source, layer)).length, layer.size);
      });
    });

    it('refuses what it does not hold: BLOB_UNKNOWN for a blob, MANIFEST_UNKNOWN for a manifest', async () => {
      await using(fixture, async (source) => {
        await rejectsWith(source.getBlob({ mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', digest: ABSENT, size: 1 }), 'BLOB_UNKNOWN');
        await rejectsWith(source.getManifest(Digest.parse(ABSENT)), 'MANIFEST_UNKNOWN');
        for (const absent of fixture.absentChildren ?? []) await rejectsWith(source.getManifest(Digest.parse(absent)), 'MANIFEST_UNKNOWN');
        // A blob it holds is not a manifest: asked for one by that digest, it has none.
        const [first] = await imageManifests(source, fixture);
        for (const blob of [first?.parsed.config as Descriptor, first?.parsed.layers[0] as Descriptor]) {
          await rejectsWith(source.getManifest(Digest.parse(blob.digest)), 'MANIFEST_UNKNOWN');
        }
      });
    });

    it('copies into an OCI layout through the verifying copier, the same manifest and blobs read back', async () => {
      const dir = await mkdtemp(join(tmpdir(), 'stowage-source-conformance-'));
      try {
        await using(fixture, async (source) => {
          const images = await imageManifests(source, fixture);
          const wanted = images[images.length - 1];
          assert.ok(wanted);
          const platform = fixture.kind === 'index' ? (wanted.platform as PlatformSpec) : undefined;
          if (platform) {
            // Platform selection picks this entry out of the index, as copy --platform does.
            const index = parseManifest((await source.getManifest()).bytes);
            assert.equal(selectPlatform(index.manifests, platform).digest, wanted.manifest.digest.toString());
          }
          const sink = await OciLayoutSink.create(dir, 'copied');
          try {
            const result = await copyImage(source, sink, platform ? { platform } : {});
            assert.equal(result.digest.toString(), wanted.manifest.digest.toString());
          } finally {
            await sink.close();
          }
          const copied = await OciLayoutSource.open(dir, 'copied');
          try {
            const manifest = await copied.getManifest();
            assert.ok(manifest.bytes.equals(wanted.manifest.bytes));
            for (const blob of [wanted.parsed.config as Descriptor, ...wanted.parsed.layers]) {
              assert.ok((await readAll(await copied.getBlob(blob))).equals(await verifiedBlob(source, blob)), `blob ${blob.digest}`);
            }
          } finally {
            await copied.close();
          }
        });
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    });

    it('can be closed twice', async () => {
      const source = await fixture.open();
      await source.getManifest();
      await source.close();
      await source.close();
    });
  });
}
