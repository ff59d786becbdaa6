/**
 * HTTPS with HTTP/2 and HTTP/1.1 on one port (issue 5, "TLS, HTTP/2 where the client offers
 * it"): a client offering `h2` by ALPN gets HTTP/2 and can push and pull (streamed uploads
 * without Content-Length, streamed downloads, ranges), a client offering only `http/1.1` gets
 * HTTP/1.1 on the same port with the same limits (slow headers cut, big headers 431), and
 * `http2: false` keeps the port HTTP/1.1-only. The HTTP/2 compat objects differ from Node's
 * HTTP/1 ones (no Transfer-Encoding, no `destroyed` on the response, a reset stream that just
 * ends), so uploads, aborts and upload slots are exercised over HTTP/2 too.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { request as httpsRequest, type RequestOptions } from 'node:https';
import { connect as http2Connect, constants as h2, type ClientHttp2Session, type ClientHttp2Stream, type OutgoingHttpHeaders } from 'node:http2';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { connect as tlsConnect, type TLSSocket } from 'node:tls';
import { promisify } from 'node:util';
import type { FastifyInstance } from 'fastify';
import type { RegistryLimits } from '../../../src/registry/server/limits.js';
import { createRegistryServer } from '../../../src/registry/server/server.js';
import { RegistryStore } from '../../../src/registry/store/registry.js';
import { FilesystemDriver } from '../../../src/storage/fs/driver.js';
import { eventually, MT, sessionsOf, sha256, statusOf } from '../../support/registry-images.js';

const exec = promisify(execFile);

interface TlsRegistry {
  app: FastifyInstance;
  url: string;
  port: number;
  root: string;
}

interface H2Response {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

/** One HTTP/2 request; `body` is sent in pieces (a stream, no Content-Length) unless `length` is given. */
function h2Request(session: ClientHttp2Session, headers: OutgoingHttpHeaders, body?: Buffer, pieceSize = 64 * 1024): Promise<H2Response> {
  return new Promise((resolve, reject) => {
    const stream = session.request(headers, { endStream: body === undefined });
    const chunks: Buffer[] = [];
    let responseHeaders: H2Response['headers'] = {};
    stream.on('response', (h) => (responseHeaders = h as H2Response['headers']));
    stream.on('data', (chunk: Buffer) => chunks.push(chunk));
    stream.on('end', () => resolve({ status: Number(responseHeaders[':status']), headers: responseHeaders, body: Buffer.concat(chunks) }));
    stream.on('error', reject);
    if (body !== undefined) void writePieces(stream, body, pieceSize);
  });
}

async function writePieces(stream: ClientHttp2Stream, body: Buffer, pieceSize: number): Promise<void> {
  for (let at = 0; at < body.length; at += pieceSize) {
    if (!stream.write(body.subarray(at, at + pieceSize))) await new Promise((resolve) => stream.once('drain', resolve));
  }
  stream.end();
}

const header = (res: H2Response, name: string): string => String(res.headers[name] ?? '');

/** What a TLS client offering `protocols` by ALPN is given. */
function negotiated(port: number, ca: Buffer, protocols: string[]): Promise<string | false> {
  return new Promise((resolve, reject) => {
    const socket = tlsConnect({ port, host: '127.0.0.1', ca, ALPNProtocols: protocols }, () => {
      resolve(socket.alpnProtocol ?? false);
      socket.end();
    });
    socket.on('error', reject);
  });
}

/** A raw HTTP/1.1-over-TLS conversation: what the server sent once it closed the connection. */
function tlsConversation(port: number, ca: Buffer): Promise<{ socket: TLSSocket; closed: Promise<string> }> {
  return new Promise((resolve, reject) => {
    const socket = tlsConnect({ port, host: '127.0.0.1', ca, ALPNProtocols: ['http/1.1'] });
    let data = '';
    socket.on('data', (chunk: Buffer) => (data += chunk.toString('latin1')));
    const closed = new Promise<string>((done) => socket.on('close', () => done(data)));
    socket.on('error', () => undefined);
    socket.once('secureConnect', () => resolve({ socket, closed }));
    socket.once('error', reject);
  });
}

/** GET over HTTP/1.1 only (ALPN `http/1.1`): the version the server answered with, status and body. */
function http1Get(url: string, ca: Buffer, headers: Record<string, string> = {}): Promise<{ version: string; status: number; body: Buffer }> {
  return new Promise((resolve, reject) => {
    // ALPNProtocols is a TLS option https.request passes on; its RequestOptions type omits it.
    const options = { ca, ALPNProtocols: ['http/1.1'], headers, agent: false } as RequestOptions;
    const req = httpsRequest(url, options, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ version: res.httpVersion, status: res.statusCode ?? 0, body: Buffer.concat(chunks) }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('HTTPS with HTTP/2 and HTTP/1.1 on one port', () => {
  let dir: string;
  let cert: Buffer;
  let key: Buffer;
  const registries: TlsRegistry[] = [];

  const start = async (limits: Partial<RegistryLimits> = {}, http2 = true): Promise<TlsRegistry> => {
    const root = await mkdtemp(join(dir, 'root-'));
    const app = createRegistryServer({ store: new RegistryStore({ driver: new FilesystemDriver(root) }), tls: { key, cert }, http2, limits });
    await app.listen({ host: '127.0.0.1', port: 0 });
    const port = (app.server.address() as AddressInfo).port;
    const registry = { app, port, root, url: `https://127.0.0.1:${port}` };
    registries.push(registry);
    return registry;
  };

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'stowage-h2-'));
    await exec('openssl', [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-keyout',
      join(dir, 'key.pem'),
      '-out',
      join(dir, 'cert.pem'),
      '-days',
      '1',
      '-subj',
      '/CN=127.0.0.1',
      '-addext',
      'subjectAltName=IP:127.0.0.1',
    ]);
    cert = await readFile(join(dir, 'cert.pem'));
    key = await readFile(join(dir, 'key.pem'));
  });
  after(async () => {
    for (const registry of registries) await registry.app.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('offers h2 by ALPN and still speaks HTTP/1.1 to clients that only offer that', async () => {
    const reg = await start();
    assert.equal(await negotiated(reg.port, cert, ['h2', 'http/1.1']), 'h2');
    assert.equal(await negotiated(reg.port, cert, ['http/1.1']), 'http/1.1');
    const http1 = await http1Get(`${reg.url}/v2/`, cert);
    assert.equal(http1.version, '1.1');
    assert.equal(http1.status, 200);
  });

  it('pushes and pulls an image over HTTP/2: streamed chunks without Content-Length, manifest, blob, range', async () => {
    const reg = await start();
    const session = http2Connect(reg.url, { ca: cert });
    try {
      const base = await h2Request(session, { ':path': '/v2/' });
      assert.equal(base.status, 200);
      assert.equal(header(base, 'docker-distribution-api-version'), 'registry/2.0');
      assert.equal(session.alpnProtocol, 'h2');

      const repo = 'h2/app';
      const layer = Buffer.alloc(3 * 1024 * 1024 + 17);
      for (let i = 0; i < layer.length; i++) layer[i] = (i * 7 + (i >> 10)) & 0xff;
      const layerDigest = sha256(layer);
      // Chunked push: POST, a PATCH of the first part, the last part with the closing PUT.
      const started = await h2Request(session, { ':method': 'POST', ':path': `/v2/${repo}/blobs/uploads/` });
      assert.equal(started.status, 202, started.body.toString());
      const location = header(started, 'location');
      const split = 2 * 1024 * 1024;
      const patched = await h2Request(session, { ':method': 'PATCH', ':path': location, 'content-type': 'application/octet-stream' }, layer.subarray(0, split));
      assert.equal(patched.status, 202, patched.body.toString());
      assert.equal(header(patched, 'range'), `0-${split - 1}`);
      const closed = await h2Request(
        session,
        { ':method': 'PUT', ':path': `${header(patched, 'location')}?digest=${layerDigest}`, 'content-type': 'application/octet-stream' },
        layer.subarray(split),
      );
      assert.equal(closed.status, 201, closed.body.toString());
      assert.equal(header(closed, 'docker-content-digest'), layerDigest);

      // Monolithic push of the config, with Content-Length.
      const config = Buffer.from('{"architecture":"amd64","os":"linux"}');
      const configPush = await h2Request(
        session,
        {
          ':method': 'POST',
          ':path': `/v2/${repo}/blobs/uploads/?digest=${sha256(config)}`,
          'content-type': 'application/octet-stream',
          'content-length': config.length,
        },
        config,
      );
      assert.equal(configPush.status, 201, configPush.body.toString());

      const manifest = Buffer.from(
        JSON.stringify({
          schemaVersion: 2,
          mediaType: MT.ociManifest,
          config: { mediaType: MT.ociConfig, digest: sha256(config), size: config.length },
          layers: [{ mediaType: MT.ociLayer, digest: layerDigest, size: layer.length }],
        }),
      );
      const put = await h2Request(session, { ':method': 'PUT', ':path': `/v2/${repo}/manifests/1.0`, 'content-type': MT.ociManifest }, manifest);
      assert.equal(put.status, 201, put.body.toString());

      const pulled = await h2Request(session, { ':path': `/v2/${repo}/manifests/1.0`, accept: MT.ociManifest });
      assert.equal(pulled.status, 200);
      assert.deepEqual(pulled.body, manifest);
      assert.equal(header(pulled, 'docker-content-digest'), sha256(manifest));

      const blob = await h2Request(session, { ':path': `/v2/${repo}/blobs/${layerDigest}` });
      assert.equal(blob.status, 200);
      assert.equal(blob.body.length, layer.length);
      assert.equal(`sha256:${createHash('sha256').update(blob.body).digest('hex')}`, layerDigest);

      const head = await h2Request(session, { ':method': 'HEAD', ':path': `/v2/${repo}/blobs/${layerDigest}` });
      assert.equal(head.status, 200);
      assert.equal(header(head, 'content-length'), String(layer.length));
      assert.equal(head.body.length, 0);

      const range = await h2Request(session, { ':path': `/v2/${repo}/blobs/${layerDigest}`, range: 'bytes=100-199' });
      assert.equal(range.status, 206);
      assert.deepEqual(range.body, layer.subarray(100, 200));

      const missing = await h2Request(session, { ':path': `/v2/${repo}/manifests/nope` });
      assert.equal(missing.status, 404);
      assert.equal(JSON.parse(missing.body.toString()).errors[0].code, 'MANIFEST_UNKNOWN');

      // The same content over HTTP/1.1 on the same port.
      const http1 = await http1Get(`${reg.url}/v2/${repo}/manifests/1.0`, cert, { accept: MT.ociManifest });
      assert.equal(http1.version, '1.1');
      assert.equal(http1.status, 200);
      assert.deepEqual(http1.body, manifest);
      const http1Blob = await http1Get(`${reg.url}/v2/${repo}/blobs/${layerDigest}`, cert);
      assert.equal(http1Blob.body.length, layer.length);
    } finally {
      session.close();
    }
  });

  it('refuses an HTTP/2 upload beyond the per-client limit (429), and a reset stream leaves no session nor slot', async () => {
    const reg = await start({ maxConcurrentUploadsPerClient: 1 });
    const session = http2Connect(reg.url, { ca: cert });
    try {
      const repo = 'h2/aborted';
      const blob = Buffer.alloc(100_000, 3);
      const held = session.request({
        ':method': 'POST',
        ':path': `/v2/${repo}/blobs/uploads/?digest=${sha256(blob)}`,
        'content-type': 'application/octet-stream',
        'content-length': blob.length,
      });
      held.on('error', () => undefined);
      held.write(blob.subarray(0, 1000));
      assert.ok(await eventually(async () => (await sessionsOf(reg.root, repo)).length === 1), 'the upload never started');

      const refused = await h2Request(session, { ':method': 'POST', ':path': `/v2/${repo}/blobs/uploads/` });
      assert.equal(refused.status, 429, refused.body.toString());
      assert.equal(JSON.parse(refused.body.toString()).errors[0].code, 'TOOMANYREQUESTS');
      assert.match(header(refused, 'retry-after'), /^\d+$/);

      held.close(h2.NGHTTP2_CANCEL);
      assert.ok(await eventually(async () => (await sessionsOf(reg.root, repo)).length === 0), 'the reset upload left its session');
      const freed = await eventually(async () => (await h2Request(session, { ':method': 'POST', ':path': `/v2/${repo}/blobs/uploads/` })).status === 202);
      assert.ok(freed, 'the reset stream kept its upload slot');
    } finally {
      session.close();
    }
  });

  it('applies the header limits to HTTP/1.1 on the TLS port: slow headers cut with 408, big ones 431', async () => {
    const reg = await start({ headersTimeoutMs: 500, idleTimeoutMs: 20_000, maxHeaderBytes: 4096 });
    const slow = await tlsConversation(reg.port, cert);
    const text = `GET /v2/ HTTP/1.1\r\nHost: localhost\r\nX-Slow: ${'a'.repeat(300)}\r\n\r\n`;
    let sent = 0;
    for (const ch of text) {
      if (slow.socket.destroyed || !slow.socket.writable) break;
      slow.socket.write(ch);
      sent++;
      await sleep(50);
    }
    const cut = await slow.closed;
    assert.ok(sent < text.length, 'the server waited for the whole header block');
    assert.equal(statusOf(cut), 408, cut);

    const big = await tlsConversation(reg.port, cert);
    big.socket.write(`GET /v2/ HTTP/1.1\r\nHost: localhost\r\nX-Big: ${'a'.repeat(5000)}\r\n\r\n`);
    const answer = await big.closed;
    assert.equal(statusOf(answer), 431, answer);
    assert.equal(JSON.parse(answer.slice(answer.indexOf('\r\n\r\n') + 4)).errors[0].code, 'UNSUPPORTED');
  });

  it('answers an HTTP/2 header list over maxHeaderBytes with 431 and a registry JSON error', async () => {
    const reg = await start({ maxHeaderBytes: 4096 });
    const session = http2Connect(reg.url, { ca: cert });
    try {
      const big = await h2Request(session, { ':path': '/v2/', 'x-big': 'a'.repeat(5000) });
      assert.equal(big.status, 431, big.body.toString());
      assert.equal(JSON.parse(big.body.toString()).errors[0].code, 'UNSUPPORTED');
      assert.equal(header(big, 'docker-distribution-api-version'), 'registry/2.0');
      assert.equal((await h2Request(session, { ':path': '/v2/', 'x-big': 'a'.repeat(3000) })).status, 200);
    } finally {
      session.close();
    }
  });

  it('with http2 false, serves HTTP/1.1 only', async () => {
    const reg = await start({}, false);
    assert.notEqual(await negotiated(reg.port, cert, ['h2', 'http/1.1']), 'h2');
    assert.equal((await http1Get(`${reg.url}/v2/`, cert)).status, 200);
  });

  it('closes promptly with idle HTTP/2 and HTTP/1.1 connections open', { timeout: 20_000 }, async () => {
    const reg = await start();
    const session = http2Connect(reg.url, { ca: cert });
    assert.equal((await h2Request(session, { ':path': '/v2/' })).status, 200);
    const keepAlive = await tlsConversation(reg.port, cert);
    keepAlive.socket.write('GET /v2/ HTTP/1.1\r\nHost: localhost\r\n\r\n');
    await sleep(100);
    const began = Date.now();
    await reg.app.close();
    registries.splice(registries.indexOf(reg), 1);
    assert.ok(Date.now() - began < 5000, `close took ${Date.now() - began} ms`);
    await keepAlive.closed;
    session.destroy();
  });
});
