import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, open, rm, truncate, writeFile } from 'node:fs/promises';
import { createServer, get, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { finished } from 'node:stream/promises';
import { PassThrough } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { FileRangeStream } from '../../../src/storage/fs/file-stream.js';

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

describe('FileRangeStream', () => {
  let dir: string;
  let server: Server;
  let base: string;
  const files = new Map<string, Buffer>();
  const streams: FileRangeStream[] = [];

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'stowage-file-stream-'));
    for (const [name, size] of [
      ['a', 5 * 2 ** 20 + 123],
      ['b', 3 * 2 ** 20],
      ['c', 10],
    ] as const) {
      const bytes = randomBytes(size);
      files.set(name, bytes);
      await writeFile(join(dir, name), bytes);
    }
    // Serves /<file>?start=&end= the way fastify sends a stream body: headers set, then pipe.
    server = createServer(async (req, res) => {
      const url = new URL(req.url ?? '/', 'http://x');
      const name = url.pathname.slice(1);
      const size = files.get(name)?.length ?? 0;
      const start = Number(url.searchParams.get('start') ?? 0);
      const end = Number(url.searchParams.get('end') ?? size - 1);
      const stream = new FileRangeStream(await open(join(dir, name)), start, end);
      streams.push(stream);
      res.setHeader('Content-Length', end - start + 1);
      stream.on('error', () => res.destroy());
      res.on('close', () => {
        if (!stream.readableEnded) stream.destroy();
      });
      stream.pipe(res);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
    await rm(dir, { recursive: true, force: true });
  });

  const fetchBytes = (path: string) =>
    new Promise<Buffer>((resolve, reject) => {
      get(`${base}${path}`, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve(Buffer.concat(chunks)));
        res.on('error', reject);
      }).on('error', reject);
    });

  it('serves whole files and ranges to HTTP responses, several at once, each byte right', async () => {
    const a = files.get('a') as Buffer;
    const b = files.get('b') as Buffer;
    // Concurrent responses share the buffer pool: a buffer handed back too early would mix them.
    const got = await Promise.all([fetchBytes('/a'), fetchBytes('/b'), fetchBytes('/a?start=1000&end=3145735'), fetchBytes('/c'), fetchBytes('/a')]);
    assert.equal(sha(got[0] as Buffer), sha(a));
    assert.equal(sha(got[1] as Buffer), sha(b));
    assert.equal(sha(got[2] as Buffer), sha(a.subarray(1000, 3145736)));
    assert.deepEqual(got[3], files.get('c'));
    assert.equal(sha(got[4] as Buffer), sha(a));
    for (const s of streams) assert.equal(s.readableEnded, true);
  });

  it('closes its file when the client goes away mid-response', async () => {
    const before = streams.length;
    await new Promise<void>((resolve, reject) => {
      const req = get(`${base}/a`, (res) => {
        res.once('data', () => {
          req.destroy();
          resolve();
        });
      });
      req.on('error', () => undefined);
      setTimeout(() => reject(new Error('no data')), 5000).unref();
    });
    const stream = streams[before] as FileRangeStream;
    await finished(stream).catch(() => undefined);
    assert.equal(stream.destroyed, true);
    assert.equal(stream.readableEnded, false);
    // The handle is closed after the read in progress (fd -1 once closed).
    const handle = (stream as unknown as { handle: { fd: number } }).handle;
    for (let i = 0; i < 50 && handle.fd !== -1; i++) await new Promise((r) => setTimeout(r, 20));
    assert.equal(handle.fd, -1);
  });

  it('gives other consumers chunks of their own, which they may keep', async () => {
    const a = files.get('a') as Buffer;
    const stream = new FileRangeStream(await open(join(dir, 'a')), 0, a.length - 1);
    // A PassThrough keeps what it is given until read: reused buffers would be overwritten.
    const keep = new PassThrough({ highWaterMark: 64 * 2 ** 20 });
    stream.pipe(keep);
    await finished(stream);
    const chunks: Buffer[] = [];
    for await (const c of keep) chunks.push(c as Buffer);
    assert.equal(sha(Buffer.concat(chunks)), sha(a));
  });

  it('fails, naming the shortfall, when the file is shorter than the range', async () => {
    const path = join(dir, 'short');
    await writeFile(path, randomBytes(3 * 2 ** 20));
    const stream = new FileRangeStream(await open(path), 0, 3 * 2 ** 20 - 1);
    await truncate(path, 2 ** 20);
    const read = async () => {
      for await (const _ of stream) void _;
    };
    await assert.rejects(read, /ended 2097152 bytes early/);
  });
});
