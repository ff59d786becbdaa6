/**
 * distribution's webhooks from `stowage serve`, received by a real HTTP listener on loopback:
 * the exact envelope for push, pull, mount and delete; the endpoint down for a while and the
 * server stopped (SIGTERM) and killed (SIGKILL) in between. The guarantee checked: every event
 * arrives **at least once** (exactly once across a clean stop; after a SIGKILL one may come
 * twice, with the same `id`), and in order per repository.
 */
import assert from 'node:assert/strict';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { HttpClient } from '../../support/http.js';
import { freePort, makeTempDir, startStowage, type ServerHandle } from '../../support/process.js';
import { parseMetrics, sampleValue } from '../../support/prometheus.js';
import { MT, manifestBytes, newClient, pushBlob, sha256 } from '../../support/registry-images.js';

interface Delivery {
  headers: IncomingHttpHeaders;
  body: string;
  event: Record<string, unknown> & { id: string; action: string; target: Record<string, unknown> };
}

/** A webhook endpoint that can be taken down (connections refused) and brought back on its port. */
class Receiver {
  readonly deliveries: Delivery[] = [];
  private server: Server | undefined;
  constructor(readonly port: number) {}

  async up(): Promise<void> {
    this.server = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        const envelope = JSON.parse(body) as { events: Delivery['event'][] };
        for (const event of envelope.events) this.deliveries.push({ headers: request.headers, body, event });
        response.writeHead(200).end();
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(this.port, '127.0.0.1', resolve));
  }

  async down(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }

  events(): Delivery['event'][] {
    return this.deliveries.map((d) => d.event);
  }
}

async function until(what: string, probe: () => boolean, ms = 20_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!probe()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** An OCI image of one layer, its blobs pushed in a known order (layer, config), then its manifest by tag. */
async function pushSmallImage(c: HttpClient, repo: string, tag: string): Promise<{ layer: string; config: string; manifest: string; bytes: Buffer }> {
  const layer = await pushBlob(c, repo, randomBytes(700));
  const config = await pushBlob(c, repo, JSON.stringify({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [] } }), MT.ociConfig);
  const bytes = manifestBytes({ schemaVersion: 2, mediaType: MT.ociManifest, config, layers: [layer] });
  const res = await c.put(`/v2/${repo}/manifests/${tag}`, { headers: { 'content-type': MT.ociManifest, 'user-agent': 'notify-test/2' }, body: bytes });
  assert.equal(res.status, 201, res.describe());
  return { layer: layer.digest, config: config.digest, manifest: sha256(bytes), bytes };
}

/** (action repository what) of each event, in arrival order, for one repository. */
function story(events: Delivery['event'][], repository: string): string[] {
  return events
    .filter((e) => e.target.repository === repository)
    .map((e) => `${e.action} ${String(e.target.tag ?? e.target.digest)}${e.target.fromRepository ? ` from ${String(e.target.fromRepository)}` : ''}`);
}

describe('webhook notifications from stowage serve', () => {
  let dir: string;
  let config: string;
  let receiver: Receiver;
  let server: ServerHandle;
  let c: HttpClient;
  let debugPort: number;

  before(async () => {
    debugPort = await freePort();
    dir = await makeTempDir('stowage-notify-');
    receiver = new Receiver(await freePort());
    await receiver.up();
    config = join(dir, 'config.yml');
    await writeFile(
      config,
      [
        'version: 0.1',
        'storage:',
        '  filesystem:',
        `    rootdirectory: ${join(dir, 'data')}`,
        '  delete:',
        '    enabled: true',
        'http:',
        '  debug:',
        `    addr: 127.0.0.1:${debugPort}`,
        '    prometheus:',
        '      enabled: true',
        'notifications:',
        '  events:',
        '    includereferences: true',
        '  endpoints:',
        '    - name: listener',
        `      url: http://127.0.0.1:${receiver.port}/events`,
        '      headers:',
        '        Authorization: [Bearer webhook-secret]',
        '      timeout: 1s',
        '      threshold: 2',
        '      backoff: 100ms',
        '      ignoredmediatypes: [application/vnd.example.ignored]',
        '    - name: off',
        '      disabled: true',
        '      url: http://127.0.0.1:1/never',
        '',
      ].join('\n'),
    );
    server = await startStowage({ config });
    c = newClient(server.url);
  });
  after(async () => {
    await c?.close();
    await server?.stop();
    await receiver?.down();
  });

  it("sends distribution's envelope for push, pull, mount and delete, in order", async () => {
    const image = await pushSmallImage(c, 'team/app', 'v1');
    assert.equal((await c.get('/v2/team/app/manifests/v1', { headers: { accept: MT.ociManifest, 'user-agent': 'notify-test/2' } })).status, 200);
    assert.equal((await c.head('/v2/team/app/manifests/v1', { headers: { accept: MT.ociManifest } })).status, 200);
    assert.equal((await c.get(`/v2/team/app/blobs/${image.layer}`)).status, 200);
    const mount = await c.post(`/v2/team/copy/blobs/uploads/?mount=${image.layer}&from=team/app`, { headers: { 'content-length': '0' } });
    assert.equal(mount.status, 201, mount.describe());
    assert.equal((await c.delete('/v2/team/app/manifests/v1')).status, 202);
    assert.equal((await c.delete(`/v2/team/app/manifests/${image.manifest}`)).status, 202);
    assert.equal((await c.delete(`/v2/team/copy/blobs/${image.layer}`)).status, 202);

    await until('9 events arrived', () => receiver.deliveries.length >= 9);
    const events = receiver.events();
    assert.deepEqual(story(events, 'team/app'), [
      `push ${image.layer}`,
      `push ${image.config}`,
      'push v1',
      'pull v1',
      `pull ${image.layer}`,
      'delete v1',
      `delete ${image.manifest}`,
    ]);
    assert.deepEqual(story(events, 'team/copy'), [`mount ${image.layer} from team/app`, `delete ${image.layer}`]);

    const first = receiver.deliveries[0]!;
    assert.equal(first.headers['content-type'], 'application/vnd.docker.distribution.events.v1+json');
    assert.equal(first.headers.authorization, 'Bearer webhook-secret');
    assert.match(first.body, /^\{\n {3}"events": \[\n {6}\{\n/, "Go's MarshalIndent with three spaces");

    const pushed = events.find((e) => e.action === 'push' && e.target.tag === 'v1')!;
    assert.deepEqual(pushed.target, {
      mediaType: MT.ociManifest,
      digest: image.manifest,
      size: image.bytes.length,
      length: image.bytes.length,
      repository: 'team/app',
      url: `${server.url}/v2/team/app/manifests/${image.manifest}`,
      tag: 'v1',
      references: [
        { mediaType: MT.ociConfig, digest: image.config, size: (JSON.parse(image.bytes.toString()) as { config: { size: number } }).config.size },
        { mediaType: MT.ociLayer, digest: image.layer, size: 700 },
      ],
    });
    const request = pushed.request as Record<string, unknown>;
    assert.equal(request.method, 'PUT');
    assert.equal(request.useragent, 'notify-test/2');
    assert.match(String(request.addr), /^127\.0\.0\.1:\d+$/);
    assert.match(String(request.id), /^[0-9a-f-]{36}$/);
    assert.deepEqual(pushed.actor, {}, 'an open registry has no user to name');
    const source = pushed.source as { addr: string; instanceID: string };
    assert.match(source.addr, new RegExp(`:${new URL(server.url).port}$`));
    assert.match(source.instanceID, /^[0-9a-f-]{36}$/);
    assert.match(String(pushed.timestamp), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d+Z$/);
    const blobPull = events.find((e) => e.action === 'pull' && e.target.digest === image.layer)!;
    assert.deepEqual(blobPull.target, {
      mediaType: 'application/octet-stream',
      digest: image.layer,
      size: 700,
      length: 700,
      repository: 'team/app',
      url: `${server.url}/v2/team/app/blobs/${image.layer}`,
    });
    assert.equal(new Set(events.map((e) => e.id)).size, events.length, 'every event has its own id');

    // distribution's notification metrics, as its dashboards read them.
    const { samples } = parseMetrics(await (await fetch(`http://127.0.0.1:${debugPort}/metrics`)).text());
    const endpoint = { endpoint: 'listener' };
    assert.equal(sampleValue(samples, 'registry_notifications_events_total', { ...endpoint, type: 'Events' }), 9);
    assert.equal(sampleValue(samples, 'registry_notifications_events_total', { ...endpoint, type: 'Successes' }), 9);
    assert.equal(sampleValue(samples, 'registry_notifications_events_total', { ...endpoint, type: 'Successes', action: 'push' }), 3);
    assert.equal(sampleValue(samples, 'registry_notifications_status_total', { ...endpoint, code: '200 OK' }), 9);
    assert.equal(sampleValue(samples, 'registry_notifications_pending', endpoint), 0);
  });

  it('loses nothing while the endpoint is down, across a clean restart: exactly once, in order', async () => {
    receiver.deliveries.length = 0;
    await receiver.down();
    const pushed: string[] = [];
    for (let i = 0; i < 3; i++) pushed.push((await pushSmallImage(c, 'down/app', `t${i}`)).manifest);
    const before = server.process.pid;
    await server.stop();
    server = await startStowage({ config });
    assert.notEqual(server.process.pid, before);
    await c.close();
    c = newClient(server.url);
    await pushSmallImage(c, 'down/app', 'after');
    await receiver.up();
    await until('12 events arrived', () => receiver.deliveries.length >= 12);
    await new Promise((resolve) => setTimeout(resolve, 300));
    const events = receiver.events();
    const tags = story(events, 'down/app').filter((line) => / t\d$| after$/.test(line));
    assert.deepEqual(tags, ['push t0', 'push t1', 'push t2', 'push after']);
    assert.equal(events.length, 12, 'exactly once across a clean stop');
    const instances = new Set(events.map((e) => (e.source as { instanceID: string }).instanceID));
    assert.equal(instances.size, 2, 'events of both processes');
  });

  it('keeps every acknowledged push through a SIGKILL: at least once, duplicates share an id', async () => {
    receiver.deliveries.length = 0;
    await receiver.down();
    const image = await pushSmallImage(c, 'killed/app', 'k1');
    // The 201 came back: its events are on disk. Kill without a chance to flush anything.
    server.process.kill('SIGKILL');
    await new Promise((resolve) => server.process.once('exit', resolve));
    server = await startStowage({ config });
    await receiver.up();
    await until('the three events arrived', () => new Set(receiver.events().map((e) => e.id)).size >= 3);
    const unique = [...new Map(receiver.events().map((e) => [e.id, e])).values()];
    assert.deepEqual(story(unique, 'killed/app'), [`push ${image.layer}`, `push ${image.config}`, 'push k1']);
  });
});
