// The compressions docker load accepts (moby pkg/archive DecompressStream), as streaming
// decoders: sniffed by magic, every format decoded, concatenated frames and streams too (what
// pigz, pbzip2, zstd -T and `cat a.zst b.zst` write), and a cut-short stream an error.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { describe, it } from 'node:test';
import { decompressor, detectCompression, type Compression } from '../../../src/compression/decompress.js';

/** The system compressors (scripts/install-peers.sh installs them): Node 20 encodes only gzip. */
const TOOLS: Record<Exclude<Compression, 'none'>, string> = { gzip: 'gzip', zstd: 'zstd', bzip2: 'bzip2', xz: 'xz' };

function compress(kind: Exclude<Compression, 'none'>, input: Buffer): Buffer {
  const run = spawnSync(TOOLS[kind], ['-q', '-c'], { input, maxBuffer: 256 << 20 });
  if (run.status !== 0) throw new Error(`${TOOLS[kind]} failed: ${run.stderr.toString()}`);
  return run.stdout;
}

async function decode(kind: Exclude<Compression, 'none'>, bytes: Buffer, options: { nativeZstd?: boolean } = {}): Promise<Buffer> {
  const chunks: Buffer[] = [];
  // Small chunks: the decoders must carry state across them.
  const pieces = Array.from({ length: Math.ceil(bytes.length / 4096) }, (_, i) => bytes.subarray(i * 4096, (i + 1) * 4096));
  await pipeline(Readable.from(pieces), await decompressor(kind, options), async (source: AsyncIterable<Buffer>) => {
    for await (const chunk of source) chunks.push(chunk);
  });
  return Buffer.concat(chunks);
}

const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

describe('detectCompression', () => {
  it('reads the magic bytes as moby does, not the file name', () => {
    const data = Buffer.from('hello');
    assert.equal(detectCompression(compress('gzip', data)), 'gzip');
    assert.equal(detectCompression(compress('zstd', data)), 'zstd');
    assert.equal(detectCompression(compress('bzip2', data)), 'bzip2');
    assert.equal(detectCompression(compress('xz', data)), 'xz');
    // A zstd stream may open with a skippable frame (0x184D2A50..5F).
    assert.equal(detectCompression(Buffer.from([0x5e, 0x2a, 0x4d, 0x18, 0, 0, 0, 0])), 'zstd');
    // A tar starts with a file name; short or empty input is plain too.
    assert.equal(detectCompression(Buffer.from('manifest.json\0\0\0')), 'none');
    assert.equal(detectCompression(Buffer.from([0x1f])), 'none');
    assert.equal(detectCompression(Buffer.alloc(0)), 'none');
  });
});

describe('decompressor', () => {
  // Half random (incompressible), half repetitive: both literal and match paths of each decoder.
  const first = Buffer.concat([randomBytes(300_000), Buffer.alloc(300_000, 'stowage ')]);
  const second = Buffer.concat([Buffer.alloc(200_000, 'layer '), randomBytes(100_000)]);
  const whole = Buffer.concat([first, second]);

  for (const kind of ['gzip', 'zstd', 'bzip2', 'xz'] as const) {
    it(`${kind}: decodes one stream and two concatenated ones`, async () => {
      assert.equal(sha(await decode(kind, compress(kind, whole))), sha(whole));
      assert.equal(sha(await decode(kind, Buffer.concat([compress(kind, first), compress(kind, second)]))), sha(whole));
    });

    it(`${kind}: a stream cut short is an error, not a short result`, async () => {
      const bytes = compress(kind, whole);
      await assert.rejects(decode(kind, bytes.subarray(0, Math.floor(bytes.length / 2))));
    });
  }

  it('zstd without node:zlib (Node 20): fzstd decodes skippable frames and a large window', async () => {
    const skippable = Buffer.from([0x50, 0x2a, 0x4d, 0x18, 4, 0, 0, 0, 1, 2, 3, 4]);
    const frames = Buffer.concat([compress('zstd', first), skippable, compress('zstd', second)]);
    assert.equal(sha(await decode('zstd', frames, { nativeZstd: false })), sha(whole));
    const long = spawnSync('zstd', ['-q', '-c', '--long=27', '-19'], { input: whole, maxBuffer: 64 << 20 });
    assert.equal(long.status, 0, long.stderr.toString());
    assert.equal(sha(await decode('zstd', long.stdout, { nativeZstd: false })), sha(whole));
  });

  it('garbage behind a valid magic is an error', async () => {
    await assert.rejects(decode('zstd', Buffer.concat([Buffer.from([0x28, 0xb5, 0x2f, 0xfd]), Buffer.alloc(64, 0xff)]), { nativeZstd: false }));
    await assert.rejects(decode('xz', Buffer.concat([Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]), Buffer.alloc(64, 0xff)])));
    await assert.rejects(decode('bzip2', Buffer.concat([Buffer.from('BZh9'), Buffer.alloc(64, 0xff)])));
  });
});
