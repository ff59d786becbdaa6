/**
 * One upstream download per blob, shared (src/registry/proxy/fetches.ts, spool.ts): every
 * client gets every byte, whenever it joins; a client leaving does not stop the others or the
 * store; a failed download fails its readers and is not reused.
 */
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { PassThrough, type Readable } from 'node:stream';
import { setImmediate as tick } from 'node:timers/promises';
import { describe, it } from 'node:test';
import { Digest } from '../../../../src/digest/digest.js';
import { BlobFetches, type FetchWork } from '../../../../src/registry/proxy/fetches.js';

const sha = (data: Buffer): string => createHash('sha256').update(data).digest('hex');

async function drain(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** An upstream body fed by the test, in pieces, and a store that collects what it is given. */
function feeder(data: Buffer) {
  const body = new PassThrough();
  let opens = 0;
  const stored: Buffer[] = [];
  const work: FetchWork = {
    open: async () => {
      opens++;
      return { size: data.length, stream: body };
    },
    store: async (source) => {
      for await (const chunk of source) stored.push(Buffer.from(chunk));
    },
  };
  const feed = async (from: number, to: number): Promise<void> => {
    for (let at = from; at < to; at += 64 * 1024) {
      body.write(data.subarray(at, Math.min(to, at + 64 * 1024)));
      await tick();
    }
  };
  return {
    work,
    feed,
    end: () => body.end(),
    fail: () => body.destroy(new Error('connection reset')),
    opens: () => opens,
    stored: () => Buffer.concat(stored),
  };
}

describe('shared blob fetches', () => {
  const digest = Digest.parse(`sha256:${'a'.repeat(64)}`);

  it('concurrent clients share one download; each gets every byte, and the store gets them once', async () => {
    const data = randomBytes(1024 * 1024 + 17);
    const upstream = feeder(data);
    const fetches = new BlobFetches();
    const clients = await Promise.all(Array.from({ length: 10 }, () => fetches.get(digest, upstream.work)));
    assert.equal(upstream.opens(), 1);
    const reads = clients.map((fetch) => drain(fetch.reader()!));
    await upstream.feed(0, data.length);
    upstream.end();
    for (const got of await Promise.all(reads)) assert.equal(sha(got), sha(data));
    await clients[0]!.done;
    assert.equal(sha(upstream.stored()), sha(data));
    assert.equal(fetches.size, 0, 'forgotten once done');
  });

  it('a client that joins half-way gets the bytes already received, then the rest; ranges too', async () => {
    const data = randomBytes(512 * 1024);
    const upstream = feeder(data);
    const fetches = new BlobFetches();
    const first = await fetches.get(digest, upstream.work);
    const early = drain(first.reader()!);
    await upstream.feed(0, 300 * 1024);
    const late = await fetches.get(digest, upstream.work);
    assert.equal(upstream.opens(), 1);
    const lateRead = drain(late.reader()!);
    const ranged = drain(late.reader({ start: 100, end: 400 * 1024 })!);
    await upstream.feed(300 * 1024, data.length);
    upstream.end();
    assert.equal(sha(await early), sha(data));
    assert.equal(sha(await lateRead), sha(data));
    assert.equal(sha(await ranged), sha(data.subarray(100, 400 * 1024 + 1)));
  });

  it('a client that disconnects does not cancel the download for the others or the store', async () => {
    const data = randomBytes(256 * 1024);
    const upstream = feeder(data);
    const fetches = new BlobFetches();
    const fetch = await fetches.get(digest, upstream.work);
    const leaving = fetch.reader()!;
    const staying = drain(fetch.reader()!);
    await upstream.feed(0, 100 * 1024);
    leaving.destroy();
    await upstream.feed(100 * 1024, data.length);
    upstream.end();
    assert.equal(sha(await staying), sha(data));
    await fetch.done;
    assert.equal(sha(upstream.stored()), sha(data));
  });

  it('a download that fails fails its readers, and the next request starts a new one', async () => {
    const data = randomBytes(256 * 1024);
    const upstream = feeder(data);
    const fetches = new BlobFetches();
    const fetch = await fetches.get(digest, upstream.work);
    const read = drain(fetch.reader()!);
    await upstream.feed(0, 50 * 1024);
    upstream.fail();
    await assert.rejects(read, /connection reset/);
    await assert.rejects(fetch.done, /connection reset/);
    const again = feeder(data);
    const retry = await fetches.get(digest, again.work);
    assert.equal(again.opens(), 1, 'a new download');
    const reread = drain(retry.reader()!);
    await again.feed(0, data.length);
    again.end();
    assert.equal(sha(await reread), sha(data));
  });

  it('once done and its readers gone, the spool is gone: the caller reads the store', async () => {
    const data = randomBytes(1000);
    const upstream = feeder(data);
    const fetch = await new BlobFetches().get(digest, upstream.work);
    await upstream.feed(0, data.length);
    upstream.end();
    await fetch.done;
    await tick();
    assert.equal(fetch.reader(), undefined);
  });

  it('an upstream that cannot be opened rejects every waiting client, and is not remembered', async () => {
    const fetches = new BlobFetches();
    const failing: FetchWork = { open: async () => Promise.reject(new Error('ECONNREFUSED')), store: async () => undefined };
    const all = await Promise.allSettled([fetches.get(digest, failing), fetches.get(digest, failing)]);
    assert.deepEqual(
      all.map((r) => r.status),
      ['rejected', 'rejected'],
    );
    await tick();
    assert.equal(fetches.size, 0);
  });
});
