/**
 * What an operator sees of a running registry: one access log line per request with
 * distribution's field names (parsed and checked field by field on push, pull, delete and
 * errors), the request ID those lines and the response share, Prometheus metrics scraped from
 * the debug listener whose counts match the requests made, and the liveness/readiness probes
 * (a draining registry is alive but not ready).
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { Writable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { serverLogger } from '../../../src/registry/server/log-format.js';
import { Registry } from '../../../src/registry/server/registry.js';
import type { StorageDriver } from '../../../src/storage/driver.js';
import { MemoryDriver } from '../../../src/storage/memory/driver.js';
import { HttpClient } from '../../support/http.js';
import { parseMetrics, sampleValue } from '../../support/prometheus.js';
import { OCTET, newClient, pushBlob, pushImage, sha256, startUpload, withQuery } from '../../support/registry-images.js';

type Line = Record<string, unknown>;

/** A pino destination that keeps every line, parsed. */
function captureLines(): { lines: Line[]; stream: Writable } {
  const lines: Line[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const text of chunk.toString('utf8').split('\n')) if (text) lines.push(JSON.parse(text) as Line);
      done();
    },
  });
  return { lines, stream };
}

/** A memory driver whose reads of any path under a `boom` repository fail as a broken disk would. */
function brokenUnderBoom(): StorageDriver {
  const driver = new MemoryDriver();
  return new Proxy(driver, {
    get(target, property) {
      const value = Reflect.get(target, property, target) as unknown;
      if (typeof value !== 'function') return value;
      if (property === 'getContent' || property === 'stat') {
        return async (path: string, ...rest: unknown[]) => {
          if (path.includes('/repositories/boom/')) throw new Error('disk on fire');
          return (value as (...a: unknown[]) => unknown).call(target, path, ...rest);
        };
      }
      return (value as (...a: unknown[]) => unknown).bind(target);
    },
  });
}

async function waitFor<T>(what: string, probe: () => T | undefined): Promise<T> {
  for (let i = 0; i < 200; i++) {
    const found = probe();
    if (found !== undefined) return found;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error(`timed out waiting for ${what}`);
}

describe('access log, request IDs and metrics', () => {
  const { lines, stream } = captureLines();
  let registry: Registry;
  let c: HttpClient;
  let url: string;
  let debug: string;
  const ua = { 'user-agent': 'observability-test/1.0' };

  before(async () => {
    registry = new Registry({
      storage: brokenUnderBoom(),
      port: 0,
      logger: serverLogger({ level: 'info', formatter: 'json', stream }),
      logRequests: true,
      debug: { host: '127.0.0.1', port: 0, prometheus: { path: '/metrics' } },
    });
    const started = await registry.start();
    url = started.url;
    debug = started.debug ?? '';
    c = newClient(url);
  });
  after(async () => {
    await c?.close();
    await registry?.shutdown();
  });

  const lineOf = (id: string | undefined): Line => {
    assert.ok(id, 'the response has an X-Request-Id');
    const found = lines.filter((line) => line['http.request.id'] === id);
    assert.equal(found.length, 1, `one line for request ${id}: ${JSON.stringify(found)}`);
    return found[0]!;
  };
  const scrape = async (): Promise<ReturnType<typeof parseMetrics>> => {
    const res = await fetch(`${debug}/metrics`);
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
    return parseMetrics(await res.text());
  };

  it('logs a push, a pull and a delete, one line each, with every field distribution logs', async () => {
    const repo = 'team/app';
    const layer = randomBytes(5000);
    const location = await startUpload(c, repo);
    const put = await c.put(withQuery(location, { digest: sha256(layer) }), { headers: { ...OCTET, ...ua }, body: layer });
    assert.equal(put.status, 201);
    const upload = lineOf(put.header('x-request-id'));
    assert.equal(upload.level, 'info');
    assert.equal(upload.msg, 'response completed');
    assert.match(String(upload.time), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    assert.equal(upload['http.request.method'], 'PUT');
    assert.equal(upload['http.request.uri'], withQuery(location, { digest: sha256(layer) }));
    assert.equal(upload['http.request.host'], new URL(url).host);
    assert.equal(upload['http.request.remoteaddr'], '127.0.0.1');
    assert.equal(upload['http.request.useragent'], 'observability-test/1.0');
    assert.equal(upload['http.request.read'], layer.length, 'the bytes the body brought');
    assert.equal(upload['http.response.status'], 201);
    assert.equal(upload['http.response.written'], 0);
    assert.match(String(upload['http.response.duration']), /^\d+(\.\d+)?(µs|ms|s)$/);
    assert.equal(upload['vars.name'], repo);
    assert.match(String(upload['vars.uuid']), /^[0-9a-f-]{36}$/);
    assert.equal(typeof upload.pid, 'number');
    assert.equal(typeof upload.hostname, 'string');

    const image = await pushImage(c, repo, 'v1');
    const pull = await c.get(`/v2/${repo}/manifests/v1`, { headers: { accept: image.mediaType, ...ua } });
    assert.equal(pull.status, 200);
    const pulled = lineOf(pull.header('x-request-id'));
    assert.deepEqual(
      [pulled['http.request.method'], pulled['vars.name'], pulled['vars.reference'], pulled['http.response.status'], pulled['http.response.written']],
      ['GET', repo, 'v1', 200, image.bytes.length],
    );
    assert.equal(pulled['http.response.contenttype'], image.mediaType);

    const blob = await c.get(`/v2/${repo}/blobs/${sha256(layer)}`, { headers: ua });
    assert.equal(blob.status, 200);
    const blobLine = lineOf(blob.header('x-request-id'));
    assert.deepEqual([blobLine['vars.digest'], blobLine['http.response.written']], [sha256(layer), layer.length]);

    const deleted = await c.delete(`/v2/${repo}/manifests/${image.digest}`, { headers: ua });
    assert.equal(deleted.status, 202);
    const deleteLine = lineOf(deleted.header('x-request-id'));
    assert.deepEqual([deleteLine['http.request.method'], deleteLine['vars.reference'], deleteLine['http.response.status']], ['DELETE', image.digest, 202]);
  });

  it("logs a client's error at info with distribution's err fields, once", async () => {
    const res = await c.get('/v2/team/app/manifests/nope', { headers: ua });
    assert.equal(res.status, 404);
    const line = lineOf(res.header('x-request-id'));
    assert.equal(line.level, 'info');
    assert.equal(line.msg, 'response completed with error');
    assert.equal(line['err.code'], 'MANIFEST_UNKNOWN');
    assert.match(String(line['err.message']), /manifest unknown/);
    assert.deepEqual(line['err.detail'], { tag: 'nope' });
  });

  it('logs a server error once, at error, with its cause and stack; the wire gets none of it', async () => {
    // A plain client: UNKNOWN is distribution's code for a 500, not one of the spec's list newClient checks.
    const plain = new HttpClient(url);
    const res = await plain.get('/v2/boom/manifests/latest', { headers: ua });
    await plain.close();
    assert.equal(res.status, 500);
    assert.doesNotMatch(res.text, /fire/);
    const line = lineOf(res.header('x-request-id'));
    assert.equal(line.level, 'error');
    assert.equal(line['err.code'], 'UNKNOWN');
    assert.equal(line['err.message'], 'disk on fire');
    assert.match(String(line['err.stack']), /Error: disk on fire\n\s+at /);
    assert.equal(lines.filter((l) => l.level === 'error').length, 1, 'nothing else logged the error');
  });

  it('keeps a plain X-Request-Id the client (or its proxy) sent, and replaces anything else', async () => {
    const kept = await c.get('/v2/', { headers: { 'x-request-id': 'lb-7f3a.42' } });
    assert.equal(kept.header('x-request-id'), 'lb-7f3a.42');
    assert.equal(lineOf('lb-7f3a.42')['http.request.uri'], '/v2/');
    const replaced = await c.get('/v2/', { headers: { 'x-request-id': 'has spaces and "quotes"' } });
    assert.match(replaced.header('x-request-id') ?? '', /^[0-9a-f]{8}-[0-9a-f]{4}-/);
  });

  it('logs a client that went away mid-blob as such, not as an error, and counts it as 499', async () => {
    const big = randomBytes(48 << 20);
    const desc = await pushBlob(c, 'team/big', big);
    const id = 'cut-short-1';
    await new Promise<void>((resolve, reject) => {
      const req = httpRequest(`${url}/v2/team/big/blobs/${desc.digest}`, { headers: { 'x-request-id': id } }, (res) => {
        res.once('data', () => {
          req.destroy();
          resolve();
        });
      });
      req.on('error', (err) => (err.message.includes('socket hang up') || (err as NodeJS.ErrnoException).code === 'ECONNRESET' ? resolve() : reject(err)));
      req.end();
    });
    const line = await waitFor('the cut request line', () => lines.find((l) => l['http.request.id'] === id));
    assert.equal(line.msg, 'client went away before the response completed');
    assert.equal(line.level, 'info');
    assert.ok((line['http.response.written'] as number) < big.length, `wrote ${String(line['http.response.written'])} of ${big.length}`);
    const { samples } = await scrape();
    assert.equal(sampleValue(samples, 'registry_http_requests_total', { handler: 'blob', method: 'GET', code: '499' }), 1);
  });

  it('counts every request by handler, method and code, with sizes, storage actions and process metrics', async () => {
    const before = (await scrape()).samples;
    const repo = 'metrics/one';
    const blobs = [randomBytes(1000), randomBytes(3000), randomBytes(7000)];
    for (const blob of blobs) await pushBlob(c, repo, blob);
    for (const blob of blobs) assert.equal((await c.get(`/v2/${repo}/blobs/${sha256(blob)}`)).status, 200);
    for (let i = 0; i < 4; i++) assert.equal((await c.get(`/v2/${repo}/manifests/missing`)).status, 404);
    const { samples, types } = await scrape();
    const delta = (name: string, labels: Record<string, string>): number => sampleValue(samples, name, labels) - sampleValue(before, name, labels);

    assert.equal(delta('registry_http_requests_total', { handler: 'blob_upload', method: 'POST', code: '202' }), 3);
    assert.equal(delta('registry_http_requests_total', { handler: 'blob_upload_chunk', method: 'PUT', code: '201' }), 3);
    assert.equal(delta('registry_http_requests_total', { handler: 'blob', method: 'GET', code: '200' }), 3);
    assert.equal(delta('registry_http_requests_total', { handler: 'manifest', method: 'GET', code: '404' }), 4);
    assert.equal(delta('registry_http_request_duration_seconds_count', { handler: 'blob', method: 'GET' }), 3);
    const bytes = blobs.reduce((sum, b) => sum + b.length, 0);
    assert.equal(delta('registry_http_request_size_bytes_sum', { handler: 'blob_upload_chunk' }), bytes, 'bytes in');
    assert.equal(delta('registry_http_response_size_bytes_sum', { handler: 'blob' }), bytes, 'bytes out');
    assert.equal(sampleValue(samples, 'registry_http_in_flight_requests'), 0, 'nothing left in flight');
    assert.equal(sampleValue(samples, 'registry_blob_uploads_in_flight'), 0);
    assert.equal(delta('registry_blob_upload_request_duration_seconds_count', {}), 3);
    assert.ok(delta('registry_storage_action_seconds_count', { driver: 'inmemory', action: 'Writer' }) >= 3);
    assert.ok(delta('registry_storage_action_seconds_count', { driver: 'inmemory', action: 'Reader' }) >= 3);
    assert.ok(sampleValue(samples, 'registry_storage_errors_total', { driver: 'inmemory' }) >= 1, 'the broken reads of `boom` were counted');
    assert.equal(types.get('registry_http_requests_total'), 'counter');
    assert.equal(types.get('registry_http_request_duration_seconds'), 'histogram');
    assert.equal(types.get('registry_storage_action_seconds'), 'histogram');
    assert.ok(sampleValue(samples, 'process_cpu_user_seconds_total') > 0, 'Node process metrics');
    assert.ok(samples.some((s) => s.name === 'nodejs_heap_size_used_bytes'));
  });

  it('counts garbage collection runs and their duration', async () => {
    const res = await c.post('/admin/gc', { headers: { 'content-type': 'application/json' }, body: '{}' });
    assert.equal(res.status, 200, res.describe());
    const { samples } = await scrape();
    assert.equal(sampleValue(samples, 'registry_gc_runs_total', { trigger: 'admin', result: 'success' }), 1);
    assert.equal(sampleValue(samples, 'registry_gc_duration_seconds_count'), 1);
    assert.ok(sampleValue(samples, 'registry_gc_last_success_timestamp_seconds') > Date.now() / 1000 - 60);
  });

  it('answers the probes, and nothing else, on the debug listener', async () => {
    const live = await fetch(`${debug}/livez`);
    assert.deepEqual([live.status, await live.text()], [200, 'ok\n']);
    const ready = await fetch(`${debug}/readyz`);
    assert.deepEqual([ready.status, await ready.text()], [200, 'ready\n']);
    const health = await fetch(`${debug}/debug/health`);
    assert.deepEqual([health.status, await health.text()], [200, '{}']);
    assert.equal((await fetch(`${debug}/debug/pprof/`)).status, 404);
    assert.equal((await fetch(`${debug}/metrics`, { method: 'POST' })).status, 405);
    assert.equal((await fetch(`${url}/metrics`)).status, 404, 'metrics are not on the API listener');
  });
});

describe('readiness while draining', () => {
  it('is alive but not ready while in-flight requests drain, and the debug listener closes last', async () => {
    const registry = new Registry({ storage: { kind: 'inmemory' }, port: 0, debug: { host: '127.0.0.1', port: 0 } });
    const started = await registry.start();
    const debug = started.debug ?? '';
    const c = newClient(started.url);
    const location = await startUpload(c, 'drain/me');
    await c.close();
    // A chunk whose body is still coming keeps the drain waiting.
    const body = randomBytes(1000);
    const pending = new Promise<number>((resolve, reject) => {
      const req = httpRequest(
        new URL(location, started.url),
        { method: 'PATCH', headers: { 'content-type': 'application/octet-stream', 'content-length': String(body.length * 2) } },
        (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        },
      );
      req.on('error', reject);
      req.write(body);
      setTimeout(() => req.end(body), 600);
    });
    await new Promise((resolve) => setTimeout(resolve, 100));
    const stopped = registry.shutdown();
    const ready = await fetch(`${debug}/readyz`);
    assert.equal(ready.status, 503);
    assert.match(await ready.text(), /^not ready: draining/);
    assert.equal((await fetch(`${debug}/livez`)).status, 200);
    assert.equal(await pending, 202, 'the in-flight chunk finished');
    assert.deepEqual(await stopped, { drained: true });
    await assert.rejects(fetch(`${debug}/livez`), 'the debug listener is closed after the drain');
  });
});
