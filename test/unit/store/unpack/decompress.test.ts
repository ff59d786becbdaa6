// Layer blobs as they come (layer.md, "+gzip Media Types", "+zstd Media Types"): sniffed, not
// trusted to their media type; and archives that cannot be read fail the layer as a whole.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import zlib from 'node:zlib';
import { isStowageError } from '../../../../src/errors/error.js';
import { applyLayer, decompressLayer } from '../../../../src/store/unpack/index.js';
import { buildTar, dir, file } from './layer-tars.js';

/** The zstd CLI (scripts/install-peers.sh installs it): Node 20 has no zstd encoder. */
function zstdCompress(input: Buffer): Buffer {
  const run = spawnSync('zstd', ['-q', '-c'], { input, maxBuffer: 64 << 20 });
  if (run.status !== 0) throw new Error(`zstd failed: ${run.stderr.toString()}`);
  return run.stdout;
}

describe('decompressLayer', () => {
  let work: string;
  let tar: Buffer;
  before(async () => {
    work = await mkdtemp(path.join(tmpdir(), 'stowage-decompress-'));
    tar = await buildTar([dir('etc/'), file('etc/hello', 'hello world')]);
  });
  after(() => rm(work, { recursive: true, force: true }));

  const applyBytes = (chunks: Buffer[], name: string) => applyLayer(decompressLayer(Readable.from(chunks)), path.join(work, name));

  it('passes a plain tar through', async () => {
    const result = await applyBytes([tar], 'plain');
    assert.equal(result.files, 1);
    assert.equal(await readFile(path.join(work, 'plain/etc/hello'), 'utf8'), 'hello world');
  });

  it('gunzips a gzipped tar', async () => {
    const result = await applyBytes([zlib.gzipSync(tar)], 'gzip');
    assert.equal(result.bytes, 'hello world'.length);
    assert.equal(await readFile(path.join(work, 'gzip/etc/hello'), 'utf8'), 'hello world');
  });

  it('sniffs the magic across one-byte chunks', async () => {
    const gz = zlib.gzipSync(tar);
    const result = await applyBytes(
      [...gz]
        .map((b) => Buffer.from([b]))
        .slice(0, 8)
        .concat([gz.subarray(8)]),
      'chunked',
    );
    assert.equal(result.files, 1);
  });

  it('un-zstds a zstd tar, on every Node (node:zlib where it has zstd, else fzstd)', async () => {
    // Two frames, as a parallel compressor writes them: both must be decoded.
    const half = Math.floor(tar.length / 2);
    const frames = Buffer.concat([zstdCompress(tar.subarray(0, half)), zstdCompress(tar.subarray(half))]);
    const result = await applyBytes([frames], 'zstd');
    assert.equal(result.files, 1);
    assert.equal(await readFile(path.join(work, 'zstd/etc/hello'), 'utf8'), 'hello world');
  });

  it('an empty stream is an empty layer', async () => {
    const result = await applyBytes([], 'empty');
    assert.equal(result.files + result.directories, 0);
  });

  it('a corrupt or truncated archive fails the layer with LAYER_INVALID', async () => {
    await assert.rejects(applyBytes([Buffer.alloc(1024, 7)], 'garbage'), (err: unknown) => isStowageError(err, 'LAYER_INVALID'));
    await assert.rejects(applyBytes([tar.subarray(0, 700)], 'truncated'), (err: unknown) => isStowageError(err, 'LAYER_INVALID'));
    await assert.rejects(applyBytes([zlib.gzipSync(tar).subarray(0, 40)], 'truncated-gzip'), (err: unknown) => isStowageError(err, 'LAYER_INVALID'));
  });
});
