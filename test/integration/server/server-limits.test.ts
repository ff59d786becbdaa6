/**
 * The registry's resource limits, wired into createRegistryServer, on a real server over
 * loopback (issue 5, "Transport and limits"): a slow-loris header sender is cut with 408, an
 * oversized header block gets 431, both in the registry's error format; one client's uploads
 * beyond the limit get 429 TOOMANYREQUESTS with Retry-After while the others go through; an
 * expired upload session is BLOB_UPLOAD_UNKNOWN and gone; an aborted monolithic upload leaves
 * no session; framework errors and real 500s come out (and are logged) as they should.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { connect, type AddressInfo, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { FastifyInstance } from 'fastify';
import type { RegistryLimits } from '../../../src/registry/server/limits.js';
import { createRegistryServer } from '../../../src/registry/server/server.js';
import { RegistryStore } from '../../../src/registry/store/registry.js';
import { FilesystemDriver } from '../../../src/storage/fs/driver.js';
import { HttpClient } from '../../support/http.js';
import {
  assertError,
  assertStatus,
  newClient,
  OCTET,
  randomBlob,
  randomRepo,
  sha256,
  startUpload,
  uploadsDir,
  withQuery,
  sessionsOf,
  statusOf,
  eventually,
} from '../../support/registry-images.js';

interface LimitedRegistry {
  app: FastifyInstance;
  port: number;
  root: string;
  client: HttpClient;
  logLines: string[];
}

async function startLimited(limits: Partial<RegistryLimits>, driver?: (root: string) => FilesystemDriver): Promise<LimitedRegistry> {
  const root = await mkdtemp(join(tmpdir(), 'stowage-limits-'));
  const logLines: string[] = [];
  const stream = new Writable({ write: (chunk: Buffer, _enc, done) => (logLines.push(chunk.toString()), done()) });
  const store = new RegistryStore({ driver: driver ? driver(root) : new FilesystemDriver(root) });
  const app = createRegistryServer({ store, limits, logger: { level: 'info', stream } });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const port = (app.server.address() as AddressInfo).port;
  return { app, port, root, client: newClient(`http://127.0.0.1:${port}`), logLines };
}

async function stop(registry: LimitedRegistry | undefined): Promise<void> {
  if (!registry) return;
  await registry.client.close();
  await registry.app.close();
  await rm(registry.root, { recursive: true, force: true });
}

interface Conversation {
  socket: Socket;
  /** Everything the server sent, once the connection is closed. */
  closed: Promise<string>;
}

function open(port: number, localAddress = '127.0.0.1'): Promise<Conversation> {
  return new Promise((resolve, reject) => {
    const socket = connect({ port, host: '127.0.0.1', localAddress });
    let data = '';
    socket.on('data', (chunk: Buffer) => (data += chunk.toString('latin1')));
    const closed = new Promise<string>((done) => socket.on('close', () => done(data)));
    socket.on('error', () => undefined);
    socket.once('connect', () => resolve({ socket, closed }));
    socket.once('error', reject);
  });
}

/** Reads the first complete response off a raw socket: status and JSON body, if any. */
function firstResponse(socket: Socket): Promise<{ status: number; headers: string; body: string }> {
  return new Promise((resolve, reject) => {
    let data = '';
    const onData = (chunk: Buffer): void => {
      data += chunk.toString('latin1');
      const end = data.indexOf('\r\n\r\n');
      if (end === -1) return;
      const headers = data.slice(0, end);
      const length = Number(/content-length: *(\d+)/i.exec(headers)?.[1] ?? 0);
      if (data.length < end + 4 + length) return;
      socket.off('data', onData);
      resolve({ status: Number(/^HTTP\/1\.1 (\d{3})/.exec(headers)?.[1]), headers, body: data.slice(end + 4, end + 4 + length) });
    };
    socket.on('data', onData);
    socket.once('close', () => reject(new Error(`closed before a whole response: ${data.slice(0, 200)}`)));
  });
}

const jsonBodyOf = (data: string): { errors: Array<{ code: string; message: string }> } => JSON.parse(data.slice(data.indexOf('\r\n\r\n') + 4));

describe('server limits: slow headers and big headers', () => {
  let reg: LimitedRegistry;
  before(async () => (reg = await startLimited({ headersTimeoutMs: 500, idleTimeoutMs: 20_000, maxHeaderBytes: 4096 })));
  after(() => stop(reg));

  it('cuts a client sending its headers byte by byte past headersTimeout, with 408 in the registry format', async () => {
    const { socket, closed } = await open(reg.port);
    const headers = `GET /v2/ HTTP/1.1\r\nHost: localhost\r\nX-Slow: ${'a'.repeat(300)}\r\n\r\n`;
    let sent = 0;
    for (const ch of headers) {
      if (socket.destroyed || !socket.writable) break;
      socket.write(ch);
      sent++;
      await sleep(50);
    }
    const data = await closed;
    assert.ok(sent < headers.length, 'the server waited for the whole header block');
    assert.equal(statusOf(data), 408, data);
    assert.equal(jsonBodyOf(data).errors[0]?.code, 'UNSUPPORTED');
    assert.match(data, /docker-distribution-api-version: registry\/2\.0/i);
  });

  it('answers a header block over maxHeaderBytes with 431 and a registry JSON error, and serves one under it', async () => {
    const big = await open(reg.port);
    big.socket.write(`GET /v2/ HTTP/1.1\r\nHost: localhost\r\nX-Big: ${'a'.repeat(5000)}\r\n\r\n`);
    const data = await big.closed;
    assert.equal(statusOf(data), 431, data);
    const body = jsonBodyOf(data);
    assert.equal(body.errors[0]?.code, 'UNSUPPORTED');
    assert.match(body.errors[0]?.message ?? '', /4096 bytes/);
    const res = await reg.client.get('/v2/', { headers: { 'x-big': 'a'.repeat(3000) } });
    assertStatus(res, 200);
  });

  it('answers malformed HTTP with 400 in the registry format', async () => {
    const bad = await open(reg.port);
    bad.socket.write('GET /v2/ HTTP/1.1\r\nHost: localhost\r\nBad Header Name: x\r\n\r\n');
    const data = await bad.closed;
    assert.equal(statusOf(data), 400, data);
    assert.equal(jsonBodyOf(data).errors[0]?.code, 'UNSUPPORTED');
  });

  it('answers a URL fastify cannot decode with 400 NAME_INVALID, not fastify JSON', async () => {
    for (const path of ['/v2/%zz/tags/list', '/v2/a/manifests/%E0%A4%A']) {
      const res = await reg.client.get(path);
      assertError(res, 400, 'NAME_INVALID');
      assert.ok(!res.text.includes('statusCode'), res.describe());
    }
  });
});

describe('server limits: concurrent uploads per client', () => {
  const LIMIT = 2;
  let reg: LimitedRegistry;
  before(async () => (reg = await startLimited({ maxConcurrentUploadsPerClient: LIMIT })));
  after(() => stop(reg));

  /** One after the other: starting a session is an upload request too, so it takes a slot for a moment. */
  async function startUploads(repo: string, count: number): Promise<string[]> {
    const locations: string[] = [];
    for (let i = 0; i < count; i++) locations.push(await startUpload(reg.client, repo));
    return locations;
  }

  /** A PATCH of `size` bytes of which only a few are sent: it holds its upload slot until finished. */
  async function heldPatch(location: string, size: number) {
    const conversation = await open(reg.port);
    const head = `PATCH ${location} HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/octet-stream\r\nContent-Length: ${size}\r\n\r\n`;
    conversation.socket.write(head);
    conversation.socket.write(Buffer.alloc(10, 1));
    const response = firstResponse(conversation.socket);
    return {
      finish: async () => {
        conversation.socket.write(Buffer.alloc(size - 10, 1));
        const res = await response;
        conversation.socket.end();
        return res;
      },
    };
  }

  it('refuses upload N+1 from one client with 429 TOOMANYREQUESTS and Retry-After; the others succeed', async () => {
    const repo = randomRepo('limits');
    const locations = await startUploads(repo, LIMIT + 1);
    const held = [];
    for (const location of locations.slice(0, LIMIT)) held.push(await heldPatch(location, 1000));
    // Let the server reach the handlers of the held PATCHes (they wait for body bytes there).
    await sleep(300);

    const extra = locations[LIMIT]!;
    const refused = await reg.client.patch(extra, { headers: OCTET, body: Buffer.alloc(100, 2) });
    assertError(refused, 429, 'TOOMANYREQUESTS');
    assert.match(refused.header('retry-after') ?? '', /^\d+$/);
    // A monolithic upload is an upload too.
    const blob = randomBlob(200);
    const monolithic = await reg.client.post(`/v2/${repo}/blobs/uploads/?digest=${sha256(blob)}`, { headers: OCTET, body: blob });
    assertError(monolithic, 429, 'TOOMANYREQUESTS');
    // Reads are not limited.
    assertStatus(await reg.client.get('/v2/'), 200);

    // Another client (another loopback address) has slots of its own.
    const other = await open(reg.port, '127.0.0.2').catch(() => undefined);
    if (other) {
      other.socket.write(`PATCH ${extra} HTTP/1.1\r\nHost: localhost\r\nContent-Length: 5\r\nConnection: close\r\n\r\nhello`);
      assert.equal(statusOf(await other.closed), 202);
    }

    for (const upload of held) assert.equal((await upload.finish()).status, 202);
    // The slots came back once those responses were sent.
    const again = await reg.client.patch(extra, { headers: OCTET, body: Buffer.alloc(100, 2) });
    assertStatus(again, 202);
  });

  it('gives a slot back when its client disconnects mid-upload', async () => {
    const repo = randomRepo('limits');
    const locations = await startUploads(repo, LIMIT + 1);
    const sockets: Socket[] = [];
    for (const location of locations.slice(0, LIMIT)) {
      const { socket } = await open(reg.port);
      socket.write(`PATCH ${location} HTTP/1.1\r\nHost: localhost\r\nContent-Length: 1000\r\n\r\n${'x'.repeat(10)}`);
      sockets.push(socket);
    }
    await sleep(300);
    assertError(await reg.client.patch(locations[LIMIT]!, { headers: OCTET, body: 'abc' }), 429, 'TOOMANYREQUESTS');
    for (const socket of sockets) socket.destroy();
    const freed = await eventually(async () => (await reg.client.patch(locations[LIMIT]!, { headers: OCTET, body: 'abc' })).status === 202);
    assert.ok(freed, 'the slots of the vanished uploads were never released');
  });
});

describe('server limits: upload session expiry', () => {
  let reg: LimitedRegistry;
  before(async () => (reg = await startLimited({ uploadSessionTtlMs: 60 * 60_000 })));
  after(() => stop(reg));

  it('refuses a session older than uploadSessionTtlMs as 404 BLOB_UPLOAD_UNKNOWN and purges it', async () => {
    const repo = randomRepo('expiry');
    const location = await startUpload(reg.client, repo);
    assertStatus(await reg.client.patch(location, { headers: OCTET, body: 'first chunk' }), 202);
    const [uuid] = await sessionsOf(reg.root, repo);
    assert.ok(uuid);
    // Two hours ago, in distribution's RFC 3339 `startedat`.
    await writeFile(join(uploadsDir(reg.root, repo), uuid, 'startedat'), new Date(Date.now() - 2 * 60 * 60_000).toISOString());

    assertError(await reg.client.patch(location, { headers: OCTET, body: 'more' }), 404, 'BLOB_UPLOAD_UNKNOWN');
    assert.deepEqual(await sessionsOf(reg.root, repo), [], 'the expired session is still on disk');
    assertError(await reg.client.get(location), 404, 'BLOB_UPLOAD_UNKNOWN');
    assertError(await reg.client.put(withQuery(location, { digest: sha256('first chunk') })), 404, 'BLOB_UPLOAD_UNKNOWN');
  });

  it('keeps serving a session younger than the TTL', async () => {
    const repo = randomRepo('expiry');
    const location = await startUpload(reg.client, repo);
    assertStatus(await reg.client.patch(location, { headers: OCTET, body: 'abc' }), 202);
    assertStatus(await reg.client.put(withQuery(location, { digest: sha256('abc') })), 201);
  });
});

describe('server limits: aborted uploads and failures', () => {
  let reg: LimitedRegistry;
  before(async () => {
    reg = await startLimited({}, (root) => new FailingMoveDriver(root));
  });
  after(() => stop(reg));

  it('leaves no upload session behind when a monolithic POST ?digest= is aborted mid-body', async () => {
    const repo = randomRepo('aborted');
    const blob = randomBlob(100_000);
    const { socket } = await open(reg.port);
    socket.write(
      `POST /v2/${repo}/blobs/uploads/?digest=${sha256(blob)} HTTP/1.1\r\nHost: localhost\r\n` +
        `Content-Type: application/octet-stream\r\nContent-Length: ${blob.length}\r\n\r\n`,
    );
    socket.write(blob.subarray(0, 1000));
    assert.ok(await eventually(async () => (await sessionsOf(reg.root, repo)).length === 1), 'the upload never started');
    socket.destroy();
    assert.ok(await eventually(async () => (await sessionsOf(reg.root, repo)).length === 0), 'the aborted upload left its session');
  });

  it('answers a storage failure with a bare 500, logged at error level (not as a client that went away)', async () => {
    const repo = randomRepo('failing');
    const blob = Buffer.from('this blob cannot be published');
    // A plain client: UNKNOWN is distribution's code for a 500, not one of the spec's list newClient checks.
    const plain = new HttpClient(`http://127.0.0.1:${reg.port}`);
    const res = await plain.post(`/v2/${repo}/blobs/uploads/?digest=${sha256(blob)}`, { headers: OCTET, body: blob });
    await plain.close();
    assert.equal(res.status, 500, res.describe());
    assert.deepEqual(res.json(), { errors: [{ code: 'UNKNOWN', message: 'internal server error' }] });
    const entries = reg.logLines
      .map((line) => JSON.parse(line) as { level: number; msg: string; 'http.request.uri'?: string; 'err.stack'?: string })
      .filter((e) => e['http.request.uri']?.includes(repo));
    assert.ok(
      entries.some((e) => e.level >= 50 && e.msg === 'response completed with error' && e['err.stack'] !== undefined),
      JSON.stringify(entries),
    );
    assert.ok(!entries.some((e) => e.msg.startsWith('client went away')), JSON.stringify(entries));
    assert.deepEqual(await sessionsOf(reg.root, repo), []);
  });
});

/** A filesystem driver whose `move` (publishing an upload) always fails: a real server-side fault. */
class FailingMoveDriver extends FilesystemDriver {
  override async move(source: string, destination: string): Promise<void> {
    if (source.includes('/_uploads/')) throw new Error('disk on fire');
    return super.move(source, destination);
  }
}
