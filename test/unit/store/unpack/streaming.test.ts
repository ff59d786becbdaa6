// Large files stream through applyLayer and exportToTar: a 50 MB (160 MB) entry, generated on the fly
// from one reused 1 MB chunk, must not grow the process by anything like its size.

import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable, Writable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import tar from 'tar-stream';
import { applyLayer, exportToTar } from '../../../../src/store/unpack/index.js';

const MB = 1024 * 1024;
const SIZE = 50 * MB;
const CHUNK = Buffer.alloc(MB, 0x61);

/** A tar holding one `size`-byte file, produced as it is read. */
function bigLayer(size = SIZE): Readable {
  const pack = tar.pack();
  void (async () => {
    const sink = pack.entry({ name: 'big.bin', size, mode: 0o644 }, () => pack.finalize());
    for (let written = 0; written < size; written += MB) {
      if (!sink.write(CHUNK)) await new Promise<void>((resolve) => sink.once('drain', () => resolve()));
    }
    sink.end(undefined);
  })();
  return Readable.from(pack);
}

/** Runs `work` while sampling rss; returns the largest growth over the starting rss. */
async function peakGrowth(work: () => Promise<void>): Promise<number> {
  const start = process.memoryUsage().rss;
  let peak = start;
  const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 10);
  try {
    await work();
  } finally {
    clearInterval(timer);
  }
  return Math.max(peak, process.memoryUsage().rss) - start;
}

describe('large files stream', () => {
  let work: string;
  before(async () => {
    work = await mkdtemp(path.join(tmpdir(), 'stowage-stream-'));
  });
  after(() => rm(work, { recursive: true, force: true }));

  it('applyLayer writes a 50 MB file without buffering it', async () => {
    let result: Awaited<ReturnType<typeof applyLayer>> | undefined;
    const growth = await peakGrowth(async () => {
      result = await applyLayer(bigLayer(), path.join(work, 'apply'));
    });
    assert.equal(result?.bytes, SIZE);
    assert.equal((await stat(path.join(work, 'apply/big.bin'))).size, SIZE);
    assert.ok(growth < 30 * MB, `rss grew by ${(growth / MB).toFixed(1)} MB`);
  });

  // Export reads its spool back faster than the collector frees the fresh buffers it hands to
  // the tar writer (V8 frees buffer memory lazily, up to its external-memory limit): the growth
  // is bounded (~35 MB here) whatever the size, so the file is several times that.
  it('exportToTar copies a 160 MB file without buffering it', async () => {
    const size = 160 * MB;
    let copied = 0;
    // The layer is inflated once into a spool in spoolDir, unlinked as soon as it is open:
    // nothing shows there while the export runs, nor after.
    const spoolDir = path.join(work, 'spool');
    await mkdir(spoolDir);
    const seen: string[] = [];
    const output = new Writable({
      write(chunk: Buffer, _encoding, callback) {
        copied += chunk.length;
        readdir(spoolDir).then((names) => {
          seen.push(...names);
          callback();
        }, callback);
      },
    });
    let result: { entries: number; bytes: number } | undefined;
    const growth = await peakGrowth(async () => {
      result = await exportToTar([async () => bigLayer(size)], output, { spoolDir });
    });
    assert.equal(result?.bytes, size);
    assert.ok(copied > size);
    assert.deepEqual(seen, []);
    assert.deepEqual(await readdir(spoolDir), []);
    assert.ok(growth < 64 * MB, `rss grew by ${(growth / MB).toFixed(1)} MB`);
  });
});
