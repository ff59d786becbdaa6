/**
 * A time-bounded fuzzer for the registry server.
 *
 *   node dist/test/fuzz/fuzz-server.js [--seconds N] [--url URL] [--concurrency N] [--seed N]
 *
 * Without --url it starts a registry of its own (filesystem driver, temp directory); with --url
 * it targets a running one, which must be on a loopback address (anything else is refused: this
 * tool floods and corrupts what it is pointed at).
 *
 * 1. Seeds a few images into `fuzzseed/*` (blobs and manifests over HTTP) and records the hash
 *    of every seeded blob and manifest (and, locally, of every blob file on disk).
 * 2. For the given time, `concurrency` workers throw random and mutated requests: random
 *    methods, adversarial URLs and headers; manifests with flipped bytes; wrong digests;
 *    truncated and oversized bodies; bad Content-Range; huge headers; raw garbage request
 *    lines; slow partial bodies that stop; concurrent uploads; concurrent put/delete races.
 *    Writes go to `fuzz/*` repositories only; the seeds are only ever read (and checked).
 * 3. Checks that `/v2/` answers 200, every seeded manifest and blob is served byte-identical,
 *    no response was a 5xx, no request hung, and (locally) every blob file on disk still
 *    matches its digest and nothing was written outside docker/registry/v2/{blobs,repositories}.
 *
 * Prints a table of statuses per strategy; exits 1 on any violation. `runFuzz` is the same,
 * in-process (test/integration/fuzz.test.ts runs it for a few seconds in CI).
 */
import { createHash, randomUUID } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { connect as netConnect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { Writable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { connect as tlsConnect } from 'node:tls';
import { pathToFileURL } from 'node:url';
import { Agent } from 'undici';
import { createRegistryServer } from '../../src/registry/server/server.js';
import { RegistryStore } from '../../src/registry/store/registry.js';
import { FilesystemDriver } from '../../src/storage/fs/driver.js';
import { HEADER_POOL, leaks, METHOD_POOL, QUERY_POOL, SEGMENT_POOL, SHA256 } from '../support/adversarial.js';

export interface FuzzOptions {
  /** How long to fuzz (default 20 s). Seeding and checks come on top. */
  seconds?: number;
  /** A running registry to target (loopback only); default: start one. */
  url?: string;
  /** Requests (or raw connections) in flight at once (default 16). */
  concurrency?: number;
  /** PRNG seed (default: random; printed, though concurrency makes runs differ anyway). */
  seed?: number;
  /** Progress lines (default: none). */
  log?: (line: string) => void;
}

export interface FuzzReport {
  seed: number;
  url: string;
  seconds: number;
  requests: number;
  /** strategy -> status (or 'timeout', 'closed', 'no-response') -> count */
  statuses: Map<string, Map<string, number>>;
  violations: string[];
  /** Causes of 5xx logged by the server, when it is ours. */
  serverErrors: string[];
}

const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
const OCI_INDEX = 'application/vnd.oci.image.index.v1+json';
const ACCEPT_ALL = [
  OCI_MANIFEST,
  OCI_INDEX,
  'application/vnd.docker.distribution.manifest.v2+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
].join(', ');
const REQUEST_TIMEOUT_MS = 30_000;
const FUZZ_REPOS = 6;

// ---------------------------------------------------------------------------------------------
// Small utilities

const sha256 = (data: Uint8Array | string): string => `sha256:${createHash('sha256').update(data).digest('hex')}`;
const sha512 = (data: Uint8Array | string): string => `sha512:${createHash('sha512').update(data).digest('hex')}`;

/** mulberry32: small, seedable, good enough to pick mutations. */
class Rng {
  private state: number;
  constructor(seed: number) {
    this.state = seed >>> 0;
  }
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
  range(min: number, max: number): number {
    return min + this.int(max - min + 1);
  }
  pick<T>(items: readonly T[]): T {
    const item = items[this.int(items.length)];
    if (item === undefined) throw new Error('pick from an empty list');
    return item;
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
  bytes(n: number): Buffer {
    const out = Buffer.allocUnsafe(n);
    for (let i = 0; i < n; i++) out[i] = this.int(256);
    return out;
  }
}

/** Whether `url` is an http(s) URL on a loopback address: 127.0.0.0/8, ::1 or localhost. */
export function isLoopbackUrl(url: string): boolean {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return false;
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') return false;
  if (parsed.username || parsed.password) return false;
  const host = parsed.hostname.toLowerCase();
  if (host === 'localhost' || host === '[::1]' || host === '::1') return true;
  const v4 = /^127\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(host);
  return v4?.slice(1).every((octet) => Number(octet) <= 255) === true;
}

function describeRequest(method: string, path: string, headers: Record<string, string>, body?: Uint8Array): string {
  const shownHeaders = Object.entries(headers)
    .map(([k, v]) => `${k}: ${v.length > 80 ? `${v.slice(0, 80)}…(${v.length})` : v}`)
    .join('; ');
  const shownBody = body === undefined ? 'no body' : `${body.length} bytes ${JSON.stringify(Buffer.from(body.subarray(0, 80)).toString('latin1'))}`;
  return `${method} ${path.length > 300 ? `${path.slice(0, 300)}…` : path} [${shownHeaders}] ${shownBody}`;
}

// ---------------------------------------------------------------------------------------------
// Raw HTTP/1.1 over a socket: for what undici will not send (bad framing, garbage, slow bodies).

interface RawResponse {
  status: number;
  body: string;
}

/** Parses as many complete responses as `data` holds (Content-Length or chunked bodies). */
function parseResponses(data: Buffer): RawResponse[] {
  const out: RawResponse[] = [];
  let at = 0;
  while (at < data.length) {
    const end = data.indexOf('\r\n\r\n', at);
    if (end < 0) break;
    const head = data.subarray(at, end).toString('latin1');
    const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(head)?.[1] ?? NaN);
    if (Number.isNaN(status)) break;
    let pos = end + 4;
    let body: Buffer = Buffer.alloc(0);
    const length = /\r\ncontent-length:\s*(\d+)/i.exec(head);
    if (/\r\ntransfer-encoding:\s*chunked/i.test(head)) {
      const parts: Buffer[] = [];
      for (;;) {
        const lineEnd = data.indexOf('\r\n', pos);
        if (lineEnd < 0) return [...out, { status, body: Buffer.concat(parts).toString('utf8') }];
        const size = parseInt(data.subarray(pos, lineEnd).toString('latin1'), 16);
        pos = lineEnd + 2;
        if (!size) {
          pos += 2;
          break;
        }
        parts.push(data.subarray(pos, pos + size));
        pos += size + 2;
      }
      body = Buffer.concat(parts);
    } else if (length) {
      body = data.subarray(pos, pos + Number(length[1]));
      pos += Number(length[1]);
    } else if (!/^HTTP\/1\.[01] (?:1\d\d|204|304)/.test(head)) {
      body = data.subarray(pos);
      pos = data.length;
    }
    out.push({ status, body: body.toString('utf8') });
    at = pos;
  }
  return out;
}

interface RawPlanStep {
  data?: Uint8Array | string;
  waitMs?: number;
  /** Half-close (FIN) after this step. */
  end?: boolean;
  /** Abort the connection (RST-ish) at this step. */
  destroy?: boolean;
}

class Target {
  readonly origin: string;
  readonly agent: Agent;
  private readonly host: string;
  private readonly port: number;
  private readonly tls: boolean;

  constructor(url: string, concurrency: number) {
    const parsed = new URL(url);
    this.origin = parsed.origin;
    this.tls = parsed.protocol === 'https:';
    this.host = parsed.hostname.replace(/^\[|\]$/g, '');
    this.port = Number(parsed.port || (this.tls ? 443 : 80));
    this.agent = new Agent({
      connections: concurrency * 2,
      headersTimeout: REQUEST_TIMEOUT_MS,
      bodyTimeout: REQUEST_TIMEOUT_MS,
      keepAliveTimeout: 2000,
      connect: { rejectUnauthorized: false },
    });
  }

  /** One request through undici; the body is read whole. */
  async request(
    method: string,
    path: string,
    headers: Record<string, string> = {},
    body?: Uint8Array | AsyncIterable<Uint8Array>,
  ): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: Buffer } | 'timeout' | 'closed'> {
    try {
      const res = await this.agent.request({ origin: this.origin, path, method: method as 'GET', headers, body: (body ?? null) as never });
      const chunks: Buffer[] = [];
      for await (const chunk of res.body) chunks.push(Buffer.from(chunk as Uint8Array));
      return { status: res.statusCode, headers: res.headers as Record<string, string | string[] | undefined>, body: Buffer.concat(chunks) };
    } catch (err) {
      const code = (err as { code?: string }).code ?? '';
      if (code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT') return 'timeout';
      if (code === 'UND_ERR_SOCKET' || code === 'ECONNRESET' || code === 'EPIPE' || code === 'UND_ERR_CLOSED') return 'closed';
      throw err;
    }
  }

  /** Plays `plan` on a fresh connection; resolves with what came back when it closes or after `waitMs`. */
  raw(plan: RawPlanStep[], waitMs = 3000): Promise<{ responses: RawResponse[]; closedByServer: boolean }> {
    return new Promise((resolve) => {
      const socket: Socket = this.tls ? tlsConnect({ host: this.host, port: this.port, rejectUnauthorized: false }) : netConnect(this.port, this.host);
      const chunks: Buffer[] = [];
      let done = false;
      let closedByServer = false;
      let timer: NodeJS.Timeout | undefined;
      const finish = () => {
        if (done) return;
        done = true;
        if (timer) clearTimeout(timer);
        socket.destroy();
        resolve({ responses: parseResponses(Buffer.concat(chunks)), closedByServer });
      };
      socket.on('data', (chunk: Buffer) => chunks.push(chunk));
      socket.on('end', () => {
        closedByServer = true;
        finish();
      });
      socket.on('close', finish);
      socket.on('error', () => undefined);
      socket.once(this.tls ? 'secureConnect' : 'connect', async () => {
        for (const step of plan) {
          if (done || socket.destroyed) return;
          if (step.data !== undefined) socket.write(step.data);
          if (step.waitMs) await sleep(step.waitMs);
          if (step.end) socket.end();
          if (step.destroy) {
            // Give the server a moment to answer what it already has.
            await sleep(50);
            return finish();
          }
        }
        timer = setTimeout(finish, waitMs);
      });
    });
  }

  async close(): Promise<void> {
    await this.agent.close();
  }
}

// ---------------------------------------------------------------------------------------------
// Seeds

interface SeedBlob {
  repo: string;
  digest: string;
  bytes: Buffer;
}

interface SeedManifest {
  repo: string;
  tag: string;
  digest: string;
  bytes: Buffer;
  mediaType: string;
}

interface Seeds {
  blobs: SeedBlob[];
  manifests: SeedManifest[];
}

async function pushBlob(target: Target, repo: string, bytes: Buffer, rng: Rng): Promise<void> {
  const digest = sha256(bytes);
  if (rng.chance(0.5)) {
    const res = await target.request('POST', `/v2/${repo}/blobs/uploads/?digest=${digest}`, { 'content-type': 'application/octet-stream' }, bytes);
    if (typeof res === 'string' || res.status !== 201) throw new Error(`seeding ${repo} ${digest}: ${typeof res === 'string' ? res : res.status}`);
    return;
  }
  // Chunked: POST, PATCH halves with Content-Range, PUT.
  const post = await target.request('POST', `/v2/${repo}/blobs/uploads/`);
  if (typeof post === 'string' || post.status !== 202) throw new Error(`seeding ${repo}: POST ${typeof post === 'string' ? post : post.status}`);
  let location = String(post.headers.location);
  const half = Math.floor(bytes.length / 2);
  for (const [start, end] of [
    [0, half],
    [half, bytes.length],
  ] as const) {
    if (end <= start) continue;
    const patch = await target.request(
      'PATCH',
      location,
      { 'content-type': 'application/octet-stream', 'content-range': `${start}-${end - 1}` },
      bytes.subarray(start, end),
    );
    if (typeof patch === 'string' || patch.status !== 202) throw new Error(`seeding ${repo}: PATCH ${typeof patch === 'string' ? patch : patch.status}`);
    location = String(patch.headers.location);
  }
  const put = await target.request('PUT', `${location}${location.includes('?') ? '&' : '?'}digest=${digest}`);
  if (typeof put === 'string' || put.status !== 201) throw new Error(`seeding ${repo}: PUT ${typeof put === 'string' ? put : put.status}`);
}

async function seed(target: Target, rng: Rng, tag: string): Promise<Seeds> {
  const blobs: SeedBlob[] = [];
  const manifests: SeedManifest[] = [];
  const children: SeedManifest[] = [];
  for (let i = 0; i < 3; i++) {
    const repo = `fuzzseed/${tag}/img${i}`;
    const config = Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [] }, nonce: rng.int(1e9) }));
    const layers = [rng.bytes(rng.range(1, 4096)), rng.bytes(rng.range(16 * 1024, 300 * 1024))];
    for (const bytes of [config, ...layers]) {
      await pushBlob(target, repo, bytes, rng);
      blobs.push({ repo, digest: sha256(bytes), bytes });
    }
    const bytes = Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: OCI_MANIFEST,
        config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: sha256(config), size: config.length },
        layers: layers.map((l) => ({ mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', digest: sha256(l), size: l.length })),
        annotations: { 'org.example.seed': String(i) },
      }),
    );
    const res = await target.request('PUT', `/v2/${repo}/manifests/v${i}`, { 'content-type': OCI_MANIFEST }, bytes);
    if (typeof res === 'string' || res.status !== 201) throw new Error(`seeding manifest ${repo}: ${typeof res === 'string' ? res : res.status}`);
    const manifest = { repo, tag: `v${i}`, digest: sha256(bytes), bytes, mediaType: OCI_MANIFEST };
    manifests.push(manifest);
    children.push(manifest);
  }
  // An index over the three, in a repository of its own (children pushed by digest first).
  const repo = `fuzzseed/${tag}/multi`;
  for (const child of children) {
    for (const blob of blobs.filter((b) => b.repo === child.repo)) {
      const mount = await target.request('POST', `/v2/${repo}/blobs/uploads/?mount=${blob.digest}&from=${child.repo}`);
      if (typeof mount === 'string' || mount.status !== 201) throw new Error(`seeding mount: ${typeof mount === 'string' ? mount : mount.status}`);
    }
    const res = await target.request('PUT', `/v2/${repo}/manifests/${child.digest}`, { 'content-type': OCI_MANIFEST }, child.bytes);
    if (typeof res === 'string' || res.status !== 201) throw new Error(`seeding child: ${typeof res === 'string' ? res : res.status}`);
  }
  const index = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: OCI_INDEX,
      manifests: children.map((c, i) => ({
        mediaType: OCI_MANIFEST,
        digest: c.digest,
        size: c.bytes.length,
        platform: { architecture: ['amd64', 'arm64', 'riscv64'][i], os: 'linux' },
      })),
    }),
  );
  const res = await target.request('PUT', `/v2/${repo}/manifests/latest`, { 'content-type': OCI_INDEX }, index);
  if (typeof res === 'string' || res.status !== 201) throw new Error(`seeding index: ${typeof res === 'string' ? res : res.status}`);
  manifests.push({ repo, tag: 'latest', digest: sha256(index), bytes: index, mediaType: OCI_INDEX });
  return { blobs, manifests };
}

// ---------------------------------------------------------------------------------------------
// Strategies: each sends one request or a small burst, and records every outcome.

interface Context {
  target: Target;
  rng: Rng;
  seeds: Seeds;
  /** `fuzz/<run>/r<i>`: writable repositories, each holding every seed blob (mounted). */
  repos: string[];
  record(strategy: string, outcome: string | number, what: () => string, body?: string): void;
  violation(message: string): void;
}

type Strategy = (ctx: Context) => Promise<void>;

async function send(ctx: Context, strategy: string, method: string, path: string, headers: Record<string, string> = {}, body?: Uint8Array) {
  const res = await ctx.target.request(method, path, headers, body);
  const what = () => describeRequest(method, path, headers, body);
  if (typeof res === 'string') ctx.record(strategy, res, what);
  else ctx.record(strategy, res.status, what, res.body.toString('utf8'));
  return res;
}

function headerValues(name: string): readonly string[] {
  return HEADER_POOL.find(([n]) => n === name)?.[1] ?? [];
}

function randomHeaders(rng: Rng, allowExpect = false): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, values] of HEADER_POOL) {
    if (name === 'expect' && !allowExpect) continue;
    if (rng.chance(0.3)) headers[name] = rng.pick(values);
  }
  return headers;
}

function randomPath(ctx: Context): string {
  const { rng } = ctx;
  const segments: string[] = [];
  for (let i = rng.int(5); i > 0; i--) segments.push(rng.pick(SEGMENT_POOL));
  const name = rng.chance(0.5) ? rng.pick(ctx.repos) : segments.join('/');
  const blob = rng.pick(ctx.seeds.blobs).digest;
  const tail = rng.pick([
    'tags/list',
    'manifests/latest',
    `manifests/${SHA256}`,
    `manifests/${blob}`,
    `blobs/${blob}`,
    `blobs/${SHA256}`,
    'blobs/uploads/',
    `blobs/uploads/${randomUUID()}`,
    `referrers/${blob}`,
    rng.pick(SEGMENT_POOL),
    '',
  ]);
  const query = rng.chance(0.4) ? `?${rng.pick(QUERY_POOL)}` : '';
  return `${rng.pick(['/v2/', '/v2/', '/v2//', '/v2/../', '/'])}${name}/${tail}${query}`;
}

const strategies: Record<string, { weight: number; run: Strategy }> = {
  /** Anything: random method, adversarial URL into a fuzz repository or nowhere, random headers and body. */
  random: {
    weight: 6,
    run: async (ctx) => {
      const { rng } = ctx;
      const method = rng.pick(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', ...METHOD_POOL]);
      const body = method !== 'GET' && method !== 'HEAD' && method !== 'TRACE' && rng.chance(0.6) ? rng.bytes(rng.int(8192)) : undefined;
      await send(ctx, 'random', method, randomPath(ctx), randomHeaders(rng), body);
    },
  },

  /** A seeded manifest, mutated, pushed to a fuzz repository (which holds all its blobs). */
  'manifest-mutation': {
    weight: 5,
    run: async (ctx) => {
      const { rng } = ctx;
      const original = rng.pick(ctx.seeds.manifests);
      let bytes = Buffer.from(original.bytes);
      const mutation = rng.pick(['flip', 'flip', 'truncate', 'append', 'digest-char', 'size', 'none', 'huge-size', 'nest', 'deep-field', 'deep-field']);
      if (mutation === 'flip') for (let i = rng.range(1, 5); i > 0; i--) bytes[rng.int(bytes.length)] = rng.int(256);
      else if (mutation === 'truncate') bytes = bytes.subarray(0, rng.int(bytes.length));
      else if (mutation === 'append') bytes = Buffer.concat([bytes, rng.bytes(rng.int(64))]);
      else if (mutation === 'digest-char')
        bytes = Buffer.from(bytes.toString().replace(/sha256:([0-9a-f])/, (_m, c: string) => `sha256:${c === 'a' ? 'b' : 'a'}`));
      else if (mutation === 'size')
        bytes = Buffer.from(bytes.toString().replace(/"size":\d+/, `"size":${rng.pick(['-1', '0', '1.5', '1e400', '"12"', 'null', '9007199254740993'])}`));
      else if (mutation === 'huge-size')
        bytes = Buffer.concat([bytes.subarray(0, bytes.length - 1), Buffer.from(`,"annotations":{"pad":"${'x'.repeat(rng.pick([1, 1 << 20, 5 << 20]))}"}}`)]);
      else if (mutation === 'nest') bytes = Buffer.from(`${'['.repeat(rng.pick([100, 100_000]))}${']'.repeat(rng.pick([0, 100]))}`);
      else if (mutation === 'deep-field') {
        const depth = rng.pick([100, 20_000, 20_000]);
        const deep = rng.chance(0.5) ? `${'['.repeat(depth)}${']'.repeat(depth)}` : `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;
        const field = rng.chance(0.3) ? 'schemaVersion' : rng.pick(['mediaType', 'config', 'layers', 'manifests', 'subject', 'annotations', 'artifactType']);
        // Last, so that it wins over the field already there (JSON.parse keeps the last duplicate).
        bytes = Buffer.from(bytes.toString().replace(/\}\s*$/, `,"${field}":${deep}}`));
      }
      const repo = rng.pick(ctx.repos);
      const reference = rng.pick(['t1', 't2', sha256(bytes), original.digest, sha512(bytes), `${sha256(bytes).slice(0, -1)}x`]);
      const contentType = rng.chance(0.8) ? original.mediaType : rng.pick(headerValues('content-type'));
      await send(
        ctx,
        'manifest-mutation',
        'PUT',
        `/v2/${repo}/manifests/${reference}${rng.chance(0.2) ? '?tag=x&tag=y' : ''}`,
        { 'content-type': contentType },
        bytes,
      );
    },
  },

  /** Uploads closed with a digest that does not match, or with a malformed one. */
  'wrong-digest': {
    weight: 3,
    run: async (ctx) => {
      const { rng } = ctx;
      const repo = rng.pick(ctx.repos);
      const bytes = rng.bytes(rng.int(20_000));
      const digest = rng.pick([
        sha256(Buffer.concat([bytes, Buffer.from('x')])),
        sha512(bytes),
        `sha256:${'0'.repeat(64)}`,
        'sha256:../../x',
        `md5:${'0'.repeat(32)}`,
        sha256(bytes).toUpperCase(),
      ]);
      if (rng.chance(0.5)) {
        await send(ctx, 'wrong-digest', 'POST', `/v2/${repo}/blobs/uploads/?digest=${digest}`, { 'content-type': 'application/octet-stream' }, bytes);
        return;
      }
      const post = await send(ctx, 'wrong-digest', 'POST', `/v2/${repo}/blobs/uploads/${rng.chance(0.3) ? '?digest-algorithm=sha512' : ''}`);
      if (typeof post === 'string' || post.status !== 202) return;
      const location = String(post.headers.location);
      await send(ctx, 'wrong-digest', 'PUT', `${location}?digest=${digest}`, { 'content-type': 'application/octet-stream' }, bytes);
    },
  },

  /** PATCHes with Content-Range headers that lie, overlap, overflow or are not ranges at all. */
  'content-range': {
    weight: 3,
    run: async (ctx) => {
      const { rng } = ctx;
      const repo = rng.pick(ctx.repos);
      const post = await send(ctx, 'content-range', 'POST', `/v2/${repo}/blobs/uploads/`);
      if (typeof post === 'string' || post.status !== 202) return;
      let location = String(post.headers.location);
      let offset = 0;
      for (let i = rng.range(1, 4); i > 0; i--) {
        const chunk = rng.bytes(rng.range(0, 4096));
        const honest = `${offset}-${offset + chunk.length - 1}`;
        const range = rng.pick([
          honest,
          honest,
          `${offset + 1}-${offset + chunk.length}`,
          `0-${chunk.length}`,
          `${offset}-${offset}`,
          `bytes ${honest}/*`,
          ...headerValues('content-range'),
        ]);
        const res = await send(ctx, 'content-range', 'PATCH', location, { 'content-type': 'application/octet-stream', 'content-range': range }, chunk);
        if (typeof res === 'string' || res.status !== 202) break;
        location = String(res.headers.location);
        offset = Number(/^0-(\d+)$/.exec(String(res.headers.range))?.[1] ?? -1) + 1;
      }
      if (rng.chance(0.5)) await send(ctx, 'content-range', 'GET', location);
      await send(ctx, 'content-range', rng.pick(['DELETE', 'PUT']), `${location}?digest=${SHA256}`);
    },
  },

  /** Bodies shorter than their Content-Length (the client then stops) or longer (the rest becomes garbage). */
  'body-framing': {
    weight: 3,
    run: async (ctx) => {
      const { rng, target } = ctx;
      const repo = rng.pick(ctx.repos);
      const body = rng.bytes(rng.range(1, 20_000));
      const declared = rng.pick([body.length + rng.range(1, 100_000), Math.max(0, body.length - rng.range(1, body.length)), 0]);
      const path = rng.pick([`/v2/${repo}/blobs/uploads/?digest=${sha256(body)}`, `/v2/${repo}/manifests/t${rng.int(3)}`, `/v2/${repo}/blobs/uploads/`]);
      const method = path.includes('manifests') ? 'PUT' : 'POST';
      const head = `${method} ${path} HTTP/1.1\r\nHost: fuzz\r\nContent-Type: ${path.includes('manifests') ? OCI_MANIFEST : 'application/octet-stream'}\r\nContent-Length: ${declared}\r\n\r\n`;
      const finish = rng.pick(['end', 'destroy', 'wait']);
      const { responses } = await target.raw([{ data: head }, { data: body, end: finish === 'end', destroy: finish === 'destroy' }], 1500);
      const what = () => `${method} ${path} Content-Length: ${declared}, sent ${body.length} bytes, then ${finish}`;
      if (responses.length === 0) ctx.record('body-framing', 'no-response', what);
      for (const r of responses) ctx.record('body-framing', r.status, what, r.body);
    },
  },

  /** Header blocks from big to enormous, and many headers. */
  'huge-headers': {
    weight: 1,
    run: async (ctx) => {
      const { rng, target } = ctx;
      const size = rng.pick([8 * 1024, 20 * 1024, 100 * 1024, 1024 * 1024]);
      const many = rng.chance(0.5);
      const headers = many
        ? Array.from({ length: Math.floor(size / 16) }, (_, i) => `X-H${i}: ${'v'.repeat(8)}\r\n`).join('')
        : `X-Big: ${'a'.repeat(size)}\r\n`;
      const path = `/v2/${rng.pick(ctx.repos)}/tags/list`;
      const { responses } = await target.raw([{ data: `GET ${path} HTTP/1.1\r\nHost: fuzz\r\n${headers}Connection: close\r\n\r\n` }], 3000);
      const what = () => `GET ${path} with ${many ? `${Math.floor(size / 16)} headers` : `one ${size}-byte header`}`;
      if (responses.length === 0) ctx.record('huge-headers', 'no-response', what);
      for (const r of responses) ctx.record('huge-headers', r.status, what, r.body);
    },
  },

  /** Request lines and framing Node's parser must refuse: bad methods, versions, smuggling attempts. */
  'raw-garbage': {
    weight: 2,
    run: async (ctx) => {
      const { rng, target } = ctx;
      const repo = rng.pick(ctx.repos);
      const line = rng.pick([
        `get /v2/ HTTP/1.1`,
        `G ET /v2/ HTTP/1.1`,
        `GET /v2/ HTTP/9.9`,
        `GET /v2/ HTTP/1.1 extra`,
        `GET  /v2/  HTTP/1.1`,
        `${'A'.repeat(10_000)} /v2/ HTTP/1.1`,
        `GET /v2/\u0000 HTTP/1.1`,
        `GET /v2/ HTTP/1.0`,
        `PRI * HTTP/2.0`,
        `CONNECT 127.0.0.1:22 HTTP/1.1`,
        `GET http://evil.invalid/v2/ HTTP/1.1`,
        `OPTIONS * HTTP/1.1`,
        `GET ${'/'.repeat(5000)}v2/ HTTP/1.1`,
        `DELETE /v2/${repo}/manifests/t1 HTTP/1.1`,
        `GET /v2/${repo}/tags/list?${'n=1&'.repeat(2000)} HTTP/1.1`,
        `POST /v2/${repo}/blobs/uploads/ HTTP/1.1`,
      ]);
      const extra = rng.pick([
        '',
        'Transfer-Encoding: chunked\r\nContent-Length: 5\r\n',
        'Content-Length: 5\r\nContent-Length: 6\r\n',
        'Content-Length: -1\r\n',
        'Content-Length: 99999999999999999999\r\n',
        'Transfer-Encoding: gzip, chunked\r\n',
        'Transfer-Encoding: chunked\r\n',
        'X-Bad\r\n',
        'X-Obs: a\r\n folded\r\n',
        'Host: a\r\n',
        'Expect: 100-continue\r\nContent-Length: 3\r\n',
        'Content-Type: \u00ff\u00fe\r\n',
      ]);
      const tail = rng.pick(['', 'abc', '5\r\nhello\r\n0\r\n\r\n', 'zz\r\nhello\r\n0\r\n\r\n', '5\r\nhello', `0\r\n\r\nGET /v2/ HTTP/1.1\r\nHost: x\r\n\r\n`]);
      const request = `${line}\r\nHost: fuzz\r\n${extra}\r\n${tail}`;
      const { responses } = await target.raw([{ data: Buffer.from(request, 'latin1'), end: rng.chance(0.3) }], 1500);
      const what = () => `raw ${JSON.stringify(request.length > 300 ? `${request.slice(0, 300)}…` : request)}`;
      if (responses.length === 0) ctx.record('raw-garbage', 'no-response', what);
      for (const r of responses) ctx.record('raw-garbage', r.status, what, r.body);
    },
  },

  /** A PATCH body that arrives slowly, then stops for good: the session must survive it. */
  'slow-stop': {
    weight: 1,
    run: async (ctx) => {
      const { rng, target } = ctx;
      const repo = rng.pick(ctx.repos);
      const post = await send(ctx, 'slow-stop', 'POST', `/v2/${repo}/blobs/uploads/`);
      if (typeof post === 'string' || post.status !== 202) return;
      const location = String(post.headers.location);
      const steps: RawPlanStep[] = [
        { data: `PATCH ${location} HTTP/1.1\r\nHost: fuzz\r\nContent-Type: application/octet-stream\r\nContent-Length: 1048576\r\n\r\n` },
      ];
      for (let i = rng.range(2, 8); i > 0; i--) steps.push({ data: rng.bytes(rng.range(1, 2048)), waitMs: rng.range(20, 150) });
      steps.push({ destroy: true });
      const { responses } = await target.raw(steps, 500);
      for (const r of responses) ctx.record('slow-stop', r.status, () => `slow PATCH ${location}`, r.body);
      // The session stays usable: status, then a clean close with a new chunk.
      await send(ctx, 'slow-stop', 'GET', location);
      const bytes = rng.bytes(100);
      // 201 (the abandoned bytes were dropped) or 400 (they were kept, so the digest differs): never 5xx.
      const put = await send(ctx, 'slow-stop', 'PUT', `${location}?digest=${sha256(bytes)}`, { 'content-type': 'application/octet-stream' }, bytes);
      if (typeof put !== 'string' && put.status !== 201) await send(ctx, 'slow-stop', 'DELETE', location);
    },
  },

  /** Parallel uploads: distinct sessions (checked afterwards) and the same session from several clients. */
  'concurrent-uploads': {
    weight: 2,
    run: async (ctx) => {
      const { rng } = ctx;
      const repo = rng.pick(ctx.repos);
      const blobs = Array.from({ length: rng.range(2, 5) }, () => rng.bytes(rng.range(1, 64 * 1024)));
      await Promise.all(
        blobs.map(async (bytes) => {
          const post = await send(ctx, 'concurrent-uploads', 'POST', `/v2/${repo}/blobs/uploads/`);
          if (typeof post === 'string' || post.status !== 202) return;
          const location = String(post.headers.location);
          // Half the time, two clients PATCH the same session at once.
          const racing = rng.chance(0.5);
          const patches = racing ? [bytes, bytes] : [bytes];
          await Promise.all(
            patches.map((b) =>
              send(ctx, 'concurrent-uploads', 'PATCH', location, { 'content-type': 'application/octet-stream', 'content-range': `0-${b.length - 1}` }, b),
            ),
          );
          const put = await send(ctx, 'concurrent-uploads', 'PUT', `${location}?digest=${sha256(bytes)}`);
          if (typeof put === 'string' || put.status !== 201) {
            if (!racing)
              ctx.violation(`concurrent-uploads: an honest upload of ${bytes.length} bytes failed to complete: ${typeof put === 'string' ? put : put.status}`);
            return;
          }
          const get = await send(ctx, 'concurrent-uploads', 'GET', `/v2/${repo}/blobs/${sha256(bytes)}`);
          if (typeof get !== 'string' && (get.status !== 200 || !get.body.equals(bytes))) {
            ctx.violation(
              `concurrent-uploads: ${sha256(bytes)} served ${typeof get === 'string' ? get : `${get.status}, ${get.body.length} bytes`} after a 201`,
            );
          }
        }),
      );
    },
  },

  /** Reads of the seeds with random Range and Accept headers: statuses and bytes are checked. */
  'seed-read': {
    weight: 4,
    run: async (ctx) => {
      const { rng } = ctx;
      if (rng.chance(0.6)) {
        const blob = rng.pick(ctx.seeds.blobs);
        const range = rng.pick([
          ...headerValues('range'),
          `bytes=${rng.int(blob.bytes.length)}-`,
          `bytes=${rng.int(blob.bytes.length)}-${rng.int(blob.bytes.length * 2)}`,
          `bytes=-${rng.int(blob.bytes.length + 5)}`,
        ]);
        const method = rng.pick(['GET', 'GET', 'HEAD']);
        const headers: Record<string, string> = rng.chance(0.8) ? { range } : {};
        const res = await send(ctx, 'seed-read', method, `/v2/${blob.repo}/blobs/${blob.digest}`, headers);
        if (typeof res === 'string') return;
        const size = blob.bytes.length;
        if (res.status === 200 && method === 'GET' && !res.body.equals(blob.bytes))
          ctx.violation(`seed-read: ${blob.digest} served wrong bytes (range ${range})`);
        if (res.status === 206) {
          const m = /^bytes (\d+)-(\d+)\/(\d+)$/.exec(String(res.headers['content-range']));
          if (!m || Number(m[3]) !== size) ctx.violation(`seed-read: bad Content-Range ${String(res.headers['content-range'])} for ${range}`);
          else if (method === 'GET' && !res.body.equals(blob.bytes.subarray(Number(m[1]), Number(m[2]) + 1)))
            ctx.violation(`seed-read: wrong bytes for ${range} of ${blob.digest}`);
        }
        if (![200, 206, 416].includes(res.status)) ctx.violation(`seed-read: GET ${blob.digest} with range ${range} -> ${res.status}`);
        return;
      }
      const manifest = rng.pick(ctx.seeds.manifests);
      const reference = rng.chance(0.5) ? manifest.tag : manifest.digest;
      const accept = rng.pick([ACCEPT_ALL, ...headerValues('accept')]);
      const res = await send(ctx, 'seed-read', rng.pick(['GET', 'HEAD']), `/v2/${manifest.repo}/manifests/${reference}`, { accept });
      if (typeof res === 'string') return;
      if (res.status === 200 && res.body.length > 0 && !res.body.equals(manifest.bytes))
        ctx.violation(`seed-read: ${manifest.repo}:${reference} served different bytes`);
      if (res.status !== 200 && !(res.status === 404 && manifest.mediaType === OCI_INDEX))
        ctx.violation(`seed-read: ${manifest.repo}:${reference} (Accept ${accept}) -> ${res.status}`);
    },
  },

  /** Cross-repository mounts from the seeds, with good, bad and hostile `from`. */
  mount: {
    weight: 2,
    run: async (ctx) => {
      const { rng } = ctx;
      const blob = rng.pick(ctx.seeds.blobs);
      const from = rng.pick([blob.repo, blob.repo.toUpperCase(), `${blob.repo}/..`, '..%2F..', '', 'nope', `${blob.repo}%00`]);
      const digest = rng.pick([blob.digest, SHA256, 'sha256:../../x']);
      await send(ctx, 'mount', 'POST', `/v2/${rng.pick(ctx.repos)}/blobs/uploads/?mount=${digest}&from=${from}`);
    },
  },

  /** Concurrent pushes and deletes of the same manifest and tags in one repository. */
  race: {
    weight: 4,
    run: async (ctx) => {
      const { rng } = ctx;
      const repo = rng.pick(ctx.repos);
      const manifest = rng.pick(ctx.seeds.manifests.filter((m) => m.mediaType === OCI_MANIFEST));
      const tag = `r${rng.int(3)}`;
      const ops: Array<() => Promise<unknown>> = [
        () => send(ctx, 'race', 'PUT', `/v2/${repo}/manifests/${tag}`, { 'content-type': OCI_MANIFEST }, manifest.bytes),
        () => send(ctx, 'race', 'PUT', `/v2/${repo}/manifests/${manifest.digest}?tag=${tag}`, { 'content-type': OCI_MANIFEST }, manifest.bytes),
        () => send(ctx, 'race', 'DELETE', `/v2/${repo}/manifests/${tag}`),
        () => send(ctx, 'race', 'DELETE', `/v2/${repo}/manifests/${manifest.digest}`),
        () => send(ctx, 'race', 'GET', `/v2/${repo}/manifests/${tag}`, { accept: ACCEPT_ALL }),
        () => send(ctx, 'race', 'GET', `/v2/${repo}/tags/list`),
        () => send(ctx, 'race', 'GET', `/v2/_catalog`),
      ];
      // Every round overlaps a push and a delete of the same tag and digest, plus some readers.
      for (let round = rng.range(2, 5); round > 0; round--) {
        const burst = [...ops.slice(0, 4), ...Array.from({ length: rng.int(4) }, () => rng.pick(ops))];
        await Promise.all(burst.map((op) => op()));
      }
    },
  },
};

// ---------------------------------------------------------------------------------------------
// Local disk checks

async function walkFiles(root: string, dir = root): Promise<string[]> {
  const out: string[] = [];
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch {
    return out;
  }
  for (const entry of entries) {
    const full = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await walkFiles(root, full)));
    else out.push(relative(root, full));
  }
  return out;
}

/** digest -> hash of every blob data file under the root; violations for any whose content does not match. */
async function hashBlobFiles(root: string, violations: string[]): Promise<Map<string, string>> {
  const hashes = new Map<string, string>();
  for (const file of await walkFiles(root)) {
    const m = /^docker\/registry\/v2\/blobs\/(sha256|sha512)\/[0-9a-f]{2}\/([0-9a-f]+)\/data$/.exec(file);
    if (!m) continue;
    const algorithm = m[1] as 'sha256' | 'sha512';
    const content = await readFile(join(root, file));
    const actual = createHash(algorithm).update(content).digest('hex');
    if (actual !== m[2]) violations.push(`disk: ${file} holds content hashing to ${algorithm}:${actual}`);
    hashes.set(`${algorithm}:${m[2]}`, actual);
  }
  return hashes;
}

// ---------------------------------------------------------------------------------------------
// The run

export async function runFuzz(options: FuzzOptions = {}): Promise<FuzzReport> {
  const seconds = options.seconds ?? 20;
  const concurrency = options.concurrency ?? 16;
  const seedValue = options.seed ?? Math.floor(Math.random() * 2 ** 31);
  const log = options.log ?? (() => undefined);
  if (!(seconds > 0) || !Number.isFinite(seconds)) throw new Error(`--seconds must be a positive number, not ${seconds}`);
  if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 256) throw new Error(`--concurrency must be 1..256, not ${concurrency}`);
  if (options.url !== undefined && !isLoopbackUrl(options.url)) {
    throw new Error(`refusing to fuzz ${options.url}: only http(s) URLs on a loopback address (127.0.0.0/8, ::1, localhost) are allowed`);
  }

  const violations: string[] = [];
  const serverErrors: string[] = [];
  const statuses = new Map<string, Map<string, number>>();
  let requests = 0;

  // Our own server, unless told to target one: logs collected to explain any 5xx.
  let root: string | undefined;
  let closeServer: (() => Promise<void>) | undefined;
  let url = options.url;
  if (url === undefined) {
    root = await mkdtemp(join(tmpdir(), 'stowage-fuzz-'));
    const logStream = new Writable({
      write(chunk: Buffer, _encoding, callback) {
        for (const line of chunk.toString('utf8').split('\n')) {
          if (!line) continue;
          try {
            const entry = JSON.parse(line) as { level?: number; msg?: string; err?: { message?: string; stack?: string }; url?: string; method?: string };
            if (entry.err)
              serverErrors.push(
                `${entry.method ?? ''} ${entry.url ?? ''}: ${entry.err.message ?? ''} ${(entry.err.stack ?? '').split('\n').slice(1, 4).join(' <')}`,
              );
          } catch {
            // not JSON: ignore
          }
        }
        callback();
      },
    });
    const app = createRegistryServer({
      store: new RegistryStore({ driver: new FilesystemDriver(root) }),
      policy: { deleteEnabled: true },
      logger: { level: 'error', stream: logStream },
    });
    await app.listen({ host: '127.0.0.1', port: 0 });
    const address = app.server.address();
    if (!address || typeof address === 'string') throw new Error('the registry did not bind a TCP port');
    url = `http://127.0.0.1:${address.port}`;
    closeServer = async () => {
      await app.close();
    };
  }

  const target = new Target(url, concurrency);
  const rng = new Rng(seedValue);
  const runTag = `s${seedValue.toString(36)}${Date.now().toString(36)}`;
  try {
    log(`fuzzing ${url} for ${seconds} s, ${concurrency} at a time, seed ${seedValue}`);
    const base = await target.request('GET', '/v2/');
    if (typeof base === 'string' || base.status !== 200)
      throw new Error(`${url}/v2/ does not answer 200 (${typeof base === 'string' ? base : base.status}): nothing to fuzz`);
    const seeds = await seed(target, rng, runTag);
    const repos = Array.from({ length: FUZZ_REPOS }, (_, i) => `fuzz/${runTag}/r${i}`);
    for (const repo of repos) {
      for (const blob of seeds.blobs) {
        const res = await target.request('POST', `/v2/${repo}/blobs/uploads/?mount=${blob.digest}&from=${blob.repo}`);
        if (typeof res === 'string' || res.status !== 201) throw new Error(`mounting seeds into ${repo}: ${typeof res === 'string' ? res : res.status}`);
      }
    }
    const diskBefore = root ? await hashBlobFiles(root, violations) : undefined;
    log(`seeded ${seeds.manifests.length} manifests and ${seeds.blobs.length} blobs`);

    const secrets = root ? [root] : [];
    const ctx: Context = {
      target,
      rng,
      seeds,
      repos,
      record(strategy, outcome, what, body) {
        requests++;
        const key = String(outcome);
        const row = statuses.get(strategy) ?? new Map<string, number>();
        row.set(key, (row.get(key) ?? 0) + 1);
        statuses.set(strategy, row);
        if (typeof outcome === 'number' && outcome >= 500) violations.push(`${outcome} from ${what()}: ${(body ?? '').slice(0, 200)}`);
        if (outcome === 'timeout') violations.push(`no answer within ${REQUEST_TIMEOUT_MS / 1000} s (hang) to ${what()}`);
        if (body !== undefined) {
          const leak = leaks(body, what(), secrets);
          if (leak) violations.push(`response leaks ${leak}: ${what()}: ${body.slice(0, 200)}`);
        }
      },
      violation(message) {
        violations.push(message);
      },
    };

    const entries = Object.entries(strategies);
    const totalWeight = entries.reduce((sum, [, s]) => sum + s.weight, 0);
    const pickStrategy = (): [string, Strategy] => {
      let r = rng.next() * totalWeight;
      for (const [name, s] of entries) {
        r -= s.weight;
        if (r < 0) return [name, s.run];
      }
      const last = entries[entries.length - 1]!;
      return [last[0], last[1].run];
    };
    const deadline = Date.now() + seconds * 1000;
    const worker = async () => {
      while (Date.now() < deadline) {
        const [name, run] = pickStrategy();
        try {
          await run(ctx);
        } catch (err) {
          violations.push(`strategy ${name} failed on the client side: ${(err as Error).stack ?? String(err)}`);
        }
      }
    };
    await Promise.all(Array.from({ length: concurrency }, worker));
    log(`sent ${requests} requests; checking`);

    // After: the API answers and every seed is intact.
    const after = await target.request('GET', '/v2/');
    if (typeof after === 'string' || after.status !== 200) violations.push(`after fuzzing, GET /v2/ -> ${typeof after === 'string' ? after : after.status}`);
    for (const manifest of seeds.manifests) {
      for (const reference of [manifest.tag, manifest.digest]) {
        const res = await target.request('GET', `/v2/${manifest.repo}/manifests/${reference}`, { accept: ACCEPT_ALL });
        if (typeof res === 'string' || res.status !== 200 || !res.body.equals(manifest.bytes) || res.headers['docker-content-digest'] !== manifest.digest) {
          violations.push(`after fuzzing, seed manifest ${manifest.repo}:${reference} is not served intact (${typeof res === 'string' ? res : res.status})`);
        }
      }
    }
    for (const blob of seeds.blobs) {
      const res = await target.request('GET', `/v2/${blob.repo}/blobs/${blob.digest}`);
      if (typeof res === 'string' || res.status !== 200 || sha256(res.body) !== blob.digest) {
        violations.push(`after fuzzing, seed blob ${blob.repo}@${blob.digest} is not served intact (${typeof res === 'string' ? res : res.status})`);
      }
    }
    if (root && diskBefore) {
      const diskAfter = await hashBlobFiles(root, violations);
      for (const [digest, hash] of diskBefore) {
        if (diskAfter.get(digest) !== hash) violations.push(`disk: blob ${digest} changed or vanished`);
      }
      for (const file of await walkFiles(root)) {
        if (!/^docker\/registry\/v2\/(?:blobs|repositories)\//.test(file)) violations.push(`disk: stray file ${file}`);
      }
    }
  } finally {
    await target.close();
    await closeServer?.();
    if (root) await rm(root, { recursive: true, force: true });
  }
  return { seed: seedValue, url, seconds, requests, statuses, violations, serverErrors };
}

/** The statuses table, then the violations (at most `maxViolations`). */
export function formatReport(report: FuzzReport, maxViolations = 30): string {
  const columns = [...new Set([...report.statuses.values()].flatMap((row) => [...row.keys()]))].sort();
  const rows = [...report.statuses.keys()].sort();
  const width = Math.max(8, ...rows.map((r) => r.length));
  const cell = (s: string) => s.padStart(Math.max(7, s.length + 1));
  const lines = [`${'strategy'.padEnd(width)}${columns.map(cell).join('')}${cell('total')}`];
  const totals = new Map<string, number>();
  for (const name of rows) {
    const row = report.statuses.get(name)!;
    let total = 0;
    const cells = columns.map((c) => {
      const n = row.get(c) ?? 0;
      total += n;
      totals.set(c, (totals.get(c) ?? 0) + n);
      return cell(n ? String(n) : '.');
    });
    lines.push(`${name.padEnd(width)}${cells.join('')}${cell(String(total))}`);
  }
  lines.push(`${'total'.padEnd(width)}${columns.map((c) => cell(String(totals.get(c) ?? 0))).join('')}${cell(String(report.requests))}`);
  lines.push('');
  lines.push(`${report.requests} requests in ${report.seconds} s against ${report.url} (seed ${report.seed})`);
  if (report.violations.length === 0) {
    lines.push('no violations');
  } else {
    lines.push(`${report.violations.length} violation(s):`);
    const unique = [...new Set(report.violations)];
    for (const v of unique.slice(0, maxViolations)) lines.push(`  - ${v}`);
    if (unique.length > maxViolations) lines.push(`  … and ${unique.length - maxViolations} more`);
    if (report.serverErrors.length > 0) {
      lines.push('server-side causes logged:');
      for (const e of [...new Set(report.serverErrors)].slice(0, 10)) lines.push(`  - ${e}`);
    }
  }
  return lines.join('\n');
}

function parseArgs(argv: string[]): FuzzOptions {
  const options: FuzzOptions = {};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const [flag, inline] = arg.includes('=') ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)] : [arg, undefined];
    const value = (): string => {
      const v = inline ?? argv[++i];
      if (v === undefined) throw new Error(`${flag} needs a value`);
      return v;
    };
    switch (flag) {
      case '--seconds':
        options.seconds = Number(value());
        break;
      case '--url':
        options.url = value();
        break;
      case '--concurrency':
        options.concurrency = Number(value());
        break;
      case '--seed':
        options.seed = Number(value());
        break;
      case '-h':
      case '--help':
        process.stdout.write('usage: node dist/test/fuzz/fuzz-server.js [--seconds N] [--url http://127.0.0.1:PORT] [--concurrency N] [--seed N]\n');
        process.exit(0);
      // falls through (exit)
      default:
        throw new Error(`unknown argument ${arg}`);
    }
  }
  return options;
}

async function main(): Promise<void> {
  let options: FuzzOptions;
  try {
    options = parseArgs(process.argv.slice(2));
  } catch (err) {
    process.stderr.write(`fuzz-server: ${(err as Error).message}\n`);
    process.exit(2);
  }
  try {
    const report = await runFuzz({ ...options, log: (line) => process.stderr.write(`${line}\n`) });
    process.stdout.write(`${formatReport(report)}\n`);
    process.exit(report.violations.length > 0 ? 1 : 0);
  } catch (err) {
    process.stderr.write(`fuzz-server: ${(err as Error).message}\n`);
    process.exit(2);
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) void main();
