import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { describe, it } from 'node:test';
import { gzipSync } from 'node:zlib';
import { readTarSplitEntries, type TarSplitEntry } from '../../../src/dockerroot/tarsplit/entries.js';
import { splitLines } from '../../../src/dockerroot/tarsplit/lines.js';
import { isStowageError } from '../../../src/errors/error.js';

async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of items) out.push(item);
  return out;
}

/** The gzipped text fed in pieces of `piece` bytes, so lines straddle chunks. */
function gzippedInPieces(text: string, piece: number): Readable {
  const gz = gzipSync(Buffer.from(text));
  const pieces: Buffer[] = [];
  for (let i = 0; i < gz.length; i += piece) pieces.push(gz.subarray(i, i + piece));
  return Readable.from(pieces);
}

function entries(text: string, piece = 7): Promise<TarSplitEntry[]> {
  return collect(readTarSplitEntries(gzippedInPieces(text, piece), 'layer sha256:test'));
}

async function rejectsLayerInvalid(promise: Promise<unknown>, message: RegExp): Promise<void> {
  await assert.rejects(promise, (err: unknown) => {
    assert.ok(isStowageError(err, 'LAYER_INVALID'), String(err));
    assert.match(err.message, message);
    return true;
  });
}

describe('tar-split entries', () => {
  it('decodes segments and file entries as Go writes them (null payload, omitted fields, name_raw)', async () => {
    const crc = Buffer.from('0011223344556677', 'hex').toString('base64');
    const text = [
      `{"type":2,"payload":"${Buffer.from('header').toString('base64')}","position":0}`,
      `{"type":1,"name":"etc/hostname","size":5,"payload":"${crc}","position":1}`,
      '{"type":1,"name":"etc/","payload":null,"position":2}',
      `{"type":1,"name_raw":"${Buffer.from([0x66, 0xff]).toString('base64')}","payload":null,"position":3}`,
      '{"type":1,"name":"a\\u003cb","position":4}',
      '',
    ].join('\n');
    const got = await entries(text);
    assert.equal(got.length, 5);
    assert.deepEqual(got[0], { kind: 'segment', payload: Buffer.from('header') });
    assert.deepEqual(got[1], { kind: 'file', name: Buffer.from('etc/hostname'), size: 5, crc: Buffer.from('0011223344556677', 'hex') });
    assert.deepEqual(got[2], { kind: 'file', name: Buffer.from('etc/'), size: 0, crc: undefined });
    assert.deepEqual(got[3], { kind: 'file', name: Buffer.from([0x66, 0xff]), size: 0, crc: undefined });
    assert.deepEqual(got[4], { kind: 'file', name: Buffer.from('a<b'), size: 0, crc: undefined });
  });

  it('takes a last line without a newline, and lines split across every chunk boundary', async () => {
    const line = (i: number) => `{"type":2,"payload":"${Buffer.from(`segment ${i}`).toString('base64')}","position":${i}}`;
    const text = Array.from({ length: 50 }, (_, i) => line(i)).join('\n');
    for (const piece of [1, 3, 64, 100000]) {
      const got = await entries(text, piece);
      assert.equal(got.length, 50);
      assert.deepEqual(got[49], { kind: 'segment', payload: Buffer.from('segment 49') });
    }
  });

  it('refuses damage with LAYER_INVALID and the line number', async () => {
    await rejectsLayerInvalid(entries('{"type":2,"payload":""}\nnot json\n'), /line 2: not valid JSON/);
    await rejectsLayerInvalid(entries('{"type":3,"payload":""}\n'), /line 1: unknown entry type 3/);
    await rejectsLayerInvalid(entries('{"type":2,"payload":"a*b="}\n'), /payload is not base64/);
    await rejectsLayerInvalid(entries('{"type":1,"name":"x","size":-1}\n'), /size -1/);
    await rejectsLayerInvalid(entries('{"type":1,"name":"x","size":4,"payload":null}\n'), /no 8-byte crc64/);
    await rejectsLayerInvalid(entries('[1]\n'), /not a JSON object/);
  });

  it('refuses a stream that is not gzip', async () => {
    await rejectsLayerInvalid(collect(readTarSplitEntries(Readable.from([Buffer.from('{"type":2}\n')]), 'layer x')), /layer x: cannot read tar-split/);
  });

  it('refuses a line longer than the limit without holding more of it', async () => {
    const chunks = Readable.from([Buffer.alloc(40, 0x61), Buffer.alloc(40, 0x61)]);
    await rejectsLayerInvalid(collect(splitLines(chunks, 64, 'layer y')), /layer y: tar-split has a line longer than 64 bytes/);
  });
});

describe('tar-split decompression bombs', () => {
  it('stops at a stream of blank lines instead of spending minutes on it', async () => {
    const bomb = gzipSync(Buffer.alloc(8 * 1024 * 1024, 0x0a));
    const entries = readTarSplitEntries(Readable.from([bomb]), 'layer sha256:bomb');
    await assert.rejects(
      (async () => {
        for await (const entry of entries) void entry;
      })(),
      /more than 1024 blank lines/,
    );
  });
});
