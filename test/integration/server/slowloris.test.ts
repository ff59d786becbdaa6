/**
 * The socket-level limits of src/registry/server/limits.ts, proven on a real server built the
 * way the registry's is (fastify, no body parsing, handlers streaming request.raw), with short
 * values: a slow-loris header sender is cut at the header timeout, a silent connection and a
 * body that stops arriving are cut at the idle timeout, an oversized header block gets 431,
 * and a slow but steady upload that lasts far longer than every timeout goes through.
 */
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { connect, type AddressInfo, type Socket } from 'node:net';
import { after, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import Fastify, { type FastifyInstance } from 'fastify';
import { httpServerOptions, nodeServerOptions, resolveLimits, type RegistryLimits } from '../../../src/registry/server/limits.js';

async function startFastify(limits: RegistryLimits): Promise<{ port: number; app: FastifyInstance }> {
  const app = Fastify({ logger: false, forceCloseConnections: true, ...nodeServerOptions(limits) }) as unknown as FastifyInstance;
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', (_request, _payload, done) => done(null, undefined));
  app.route({
    method: ['GET', 'POST', 'PUT', 'PATCH'],
    url: '/*',
    handler: async (request, reply) => {
      let bytes = 0;
      for await (const chunk of request.raw as AsyncIterable<Buffer>) bytes += chunk.length;
      return reply.code(200).header('content-type', 'application/json').send(JSON.stringify({ bytes }));
    },
  });
  await app.listen({ host: '127.0.0.1', port: 0 });
  return { port: (app.server.address() as AddressInfo).port, app };
}

interface Conversation {
  socket: Socket;
  /** Everything the server sent, once it closed the connection, and when (ms after connect). */
  closed: Promise<{ data: string; afterMs: number }>;
}

function open(port: number): Promise<Conversation> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    const started = Date.now();
    let data = '';
    socket.on('data', (chunk: Buffer) => (data += chunk.toString('latin1')));
    const closed = new Promise<{ data: string; afterMs: number }>((done) => {
      socket.on('close', () => done({ data, afterMs: Date.now() - started }));
    });
    socket.on('error', () => undefined);
    socket.once('connect', () => resolve({ socket, closed }));
    socket.once('error', reject);
  });
}

/** Writes `text` one byte every `everyMs` until the socket closes or `text` runs out. */
async function dribble(socket: Socket, text: string, everyMs: number): Promise<number> {
  let sent = 0;
  for (const ch of text) {
    if (socket.destroyed || !socket.writable) break;
    socket.write(ch);
    sent++;
    await sleep(everyMs);
  }
  return sent;
}

const statusOf = (data: string): number => Number(/^HTTP\/1\.1 (\d{3})/.exec(data)?.[1] ?? 0);

describe('socket limits (limits.ts) on a fastify server', () => {
  const apps: FastifyInstance[] = [];
  after(async () => {
    for (const app of apps) await app.close();
  });
  const start = async (overrides: Partial<RegistryLimits>) => {
    const started = await startFastify(resolveLimits(overrides));
    apps.push(started.app);
    return started.port;
  };

  it('cuts a client that sends its headers one byte at a time, at the header timeout (408)', async () => {
    // The idle timeout is far away and every byte resets it: only the header timeout can fire.
    const port = await start({ headersTimeoutMs: 1000, idleTimeoutMs: 20_000 });
    const { socket, closed } = await open(port);
    const headers = `GET /x HTTP/1.1\r\nHost: localhost\r\nX-Slow: ${'a'.repeat(200)}\r\n\r\n`;
    const sent = await dribble(socket, headers, 100);
    const { data, afterMs } = await closed;
    assert.ok(sent < headers.length, 'the server waited for the whole header block');
    assert.equal(statusOf(data), 408, data);
    assert.ok(afterMs >= 900 && afterMs < 5000, `closed after ${afterMs} ms`);
  });

  it('closes a connection that sends nothing, at the idle timeout', async () => {
    const port = await start({ headersTimeoutMs: 20_000, idleTimeoutMs: 500 });
    const { closed } = await open(port);
    const { afterMs } = await closed;
    assert.ok(afterMs >= 400 && afterMs < 5000, `closed after ${afterMs} ms`);
  });

  it('closes a connection whose body stops arriving, at the idle timeout', async () => {
    const port = await start({ headersTimeoutMs: 20_000, idleTimeoutMs: 500 });
    const { socket, closed } = await open(port);
    socket.write('PUT /upload HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/octet-stream\r\nContent-Length: 100000\r\n\r\n');
    socket.write(Buffer.alloc(1000, 1));
    const { afterMs } = await closed;
    assert.ok(afterMs >= 400 && afterMs < 5000, `closed after ${afterMs} ms`);
  });

  it('answers a header block over maxHeaderBytes with 431, and serves one under it', async () => {
    const port = await start({ maxHeaderBytes: 4096 });
    const big = await open(port);
    big.socket.write(`GET /x HTTP/1.1\r\nHost: localhost\r\nX-Big: ${'a'.repeat(5000)}\r\nConnection: close\r\n\r\n`);
    assert.equal(statusOf((await big.closed).data), 431);
    const small = await open(port);
    small.socket.write(`GET /x HTTP/1.1\r\nHost: localhost\r\nX-Big: ${'a'.repeat(3000)}\r\nConnection: close\r\n\r\n`);
    assert.equal(statusOf((await small.closed).data), 200);
  });

  it('does not cut a slow but steady upload that outlasts every timeout', async () => {
    const port = await start({ headersTimeoutMs: 300, idleTimeoutMs: 400 });
    const { socket, closed } = await open(port);
    const chunk = Buffer.alloc(64 * 1024, 7);
    const chunks = 25; // one every 100 ms: 2.5 s, over 8 times the header timeout and 6 times the idle one
    socket.write(`PUT /upload HTTP/1.1\r\nHost: localhost\r\nContent-Length: ${chunk.length * chunks}\r\nConnection: close\r\n\r\n`);
    const began = Date.now();
    for (let i = 0; i < chunks; i++) {
      assert.ok(!socket.destroyed, `cut after ${Date.now() - began} ms`);
      socket.write(chunk);
      await sleep(100);
    }
    const { data } = await closed;
    assert.equal(statusOf(data), 200, data.slice(0, 200));
    assert.match(data, new RegExp(`"bytes":${chunk.length * chunks}`));
    assert.ok(Date.now() - began > 2000);
  });
});

describe('socket limits (limits.ts) on a plain node:http server', () => {
  let server: Server | undefined;
  after(() => {
    server?.closeAllConnections();
    server?.close();
  });

  it('httpServerOptions + setTimeout(idle) cut a slow-loris sender and answer a huge header with 431', async () => {
    const limits = resolveLimits({ headersTimeoutMs: 800, idleTimeoutMs: 20_000, maxHeaderBytes: 2048 });
    server = createServer(httpServerOptions(limits), (req, res) => {
      req.resume();
      req.on('end', () => res.end('ok'));
    });
    server.setTimeout(limits.idleTimeoutMs);
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as AddressInfo).port;

    const slow = await open(port);
    const sent = await dribble(slow.socket, `GET / HTTP/1.1\r\nHost: x\r\nX-Slow: ${'b'.repeat(100)}\r\n\r\n`, 100);
    const cut = await slow.closed;
    assert.ok(sent < 100, `sent ${sent} bytes before the cut`);
    assert.equal(statusOf(cut.data), 408);
    assert.ok(cut.afterMs < 5000, `closed after ${cut.afterMs} ms`);

    const big = await open(port);
    big.socket.write(`GET / HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(3000)}\r\n\r\n`);
    assert.equal(statusOf((await big.closed).data), 431);
  });
});
