// Large files stream through applyLayer and exportToTar: a 50 MB entry, generated on the fly
// from one reused 1 MB chunk, must not grow the process by anything like its size.

import assert from 'node:assert/strict';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable, Writable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import tar from 'tar-stream';
import { applyLayer, exportToTar } from '../../../../src/store/unpack/index.js';

const MB = 1024 * 1024;
const SIZE = 50 * MB;
const CHUNK = Buffer.alloc(MB, 0x61);

/** A tar holding one SIZE-byte file, produced as it is read. */
function bigLayer(): Readable {
  const pack = tar.pack();
  void (async () => {
    const sink = pack.entry({ name: 'big.bin', size: SIZE, mode: 0o644 }, () => pack.finalize());
    for (let written = 0; written < SIZE; written += MB) {
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

  it('exportToTar copies a 50 MB file without buffering it', async () => {
    let copied = 0;
    const output = new Writable({
      write(chunk: Buffer, _encoding, callback) {
        copied += chunk.length;
        callback();
      },
    });
    let result: { entries: number; bytes: number } | undefined;
    const growth = await peakGrowth(async () => {
      result = await exportToTar([async () => bigLayer()], output);
    });
    assert.equal(result?.bytes, SIZE);
    assert.ok(copied > SIZE);
    assert.ok(growth < 30 * MB, `rss grew by ${(growth / MB).toFixed(1)} MB`);
  });
});
