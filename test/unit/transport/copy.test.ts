import assert from 'node:assert/strict';
import { PassThrough, type Readable } from 'node:stream';
import { describe, it } from 'node:test';
import { Digest } from '../../../src/digest/digest.js';
import { StowageError } from '../../../src/errors/error.js';
import type { Descriptor } from '../../../src/oci/descriptor.js';
import { copyImage } from '../../../src/transport/copy.js';
import { createLimiter } from '../../../src/transport/limiter.js';
import type { ImageSink, ImageSource } from '../../../src/transport/types.js';
import type { ManifestBytes } from '../../../src/oci/manifest-bytes.js';

const blob = (n: number): Descriptor => {
  const data = Buffer.from(`layer ${n}`);
  return { mediaType: 'application/vnd.oci.image.layer.v1.tar', digest: Digest.of(data).toString(), size: data.length };
};

describe('copyImage when a blob fails', () => {
  it('stops queued transfers, cuts running ones, and only then rejects', async () => {
    const config = blob(0);
    const layers = [blob(1), blob(2), blob(3), blob(4)];
    const bytes = Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: 'application/vnd.oci.image.manifest.v1+json',
        config: { ...config, mediaType: 'application/vnd.oci.image.config.v1+json' },
        layers,
      }),
    );
    const top: ManifestBytes = { bytes, mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: Digest.of(bytes) };
    const opened: string[] = [];
    const stalled: PassThrough[] = [];
    // Sources and sinks are interfaces: these two exercise the copier's own scheduling.
    const source: ImageSource = {
      name: 'test',
      getManifest: async () => top,
      getBlob: async (d) => {
        opened.push(d.digest);
        if (d.digest === layers[0]?.digest) throw new StowageError('BLOB_UNKNOWN', 'gone');
        const stream = new PassThrough();
        stalled.push(stream);
        return stream;
      },
      close: async () => undefined,
    };
    const sink: ImageSink = {
      name: 'sink',
      hasBlob: async () => false,
      putBlob: async (_d, stream: Readable) => {
        for await (const _ of stream) void _;
      },
      putManifest: async () => undefined,
      commit: async () => assert.fail('must not commit'),
      close: async () => undefined,
    };
    await assert.rejects(copyImage(source, sink, { concurrency: 2 }), { code: 'BLOB_UNKNOWN', message: /^blob sha256:.*: gone$/ });
    assert.ok(opened.length <= 3, `queued transfers did not start (${opened.length} opened)`);
    assert.ok(
      stalled.every((s) => s.destroyed),
      'running transfers were cut',
    );
  });
});

describe('createLimiter', () => {
  it('never runs more than its limit, even when tasks arrive as others finish', async () => {
    const limit = createLimiter(2);
    let running = 0;
    let peak = 0;
    const task = async () => {
      running++;
      peak = Math.max(peak, running);
      await new Promise((r) => setTimeout(r, Math.random() * 5));
      running--;
    };
    await Promise.all(Array.from({ length: 50 }, () => limit(task)));
    assert.equal(peak, 2);
  });

  it('refuses a limit below 1', () => {
    for (const bad of [0, -1, 1.5, Number.NaN]) assert.throws(() => createLimiter(bad), { code: 'CONFIG_INVALID' });
  });
});
