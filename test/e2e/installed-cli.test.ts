// The installed bin at a terminal: the verbs that draw progress bars (pull, push, copy, docker
// export) run under a pseudo-terminal, as users run them. The bundled bin crashed there
// ("Cannot read properties of undefined (reading 'shades_classic')") while every test of the
// unbundled build passed.

import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { spawn, type ChildProcessByStdio } from 'node:child_process';
import type { Readable } from 'node:stream';
import { once } from 'node:events';
import { readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { sharedRgw } from '../support/ceph-rgw.js';
import { GraphRootBuilder } from '../support/graph-root.js';
import { pseudoRandomBytes, readIndexJson, writeImageLayout } from '../support/oci-layout.js';
import { makeTempDir, removeTempDirs, REPO_ROOT, runOk } from '../support/process.js';
import { runPty } from '../support/pty.js';
import { startRegistry, type TestRegistry } from '../support/registry.js';
import { packTar } from '../support/tar-pack.js';
import { installedStowage } from './installed.js';

/** A bar as progress.ts draws it, finished: " sha256:0123456789ab [████] 100% | copied / 1.50MB". */
const FINISHED_BAR = /sha256:[0-9a-f]{12} \[█+\] 100% \| (copied|skipped existing|mounted) \/ \d/;
const HIDE_CURSOR = '\x1b[?25l';
const SHOW_CURSOR = '\x1b[?25h';

/** Bars were drawn (cursor hidden), finished, and the cursor given back at the end. */
function assertBars(output: string): void {
  assert.ok(output.includes(HIDE_CURSOR), `no progress bars were drawn:\n${output}`);
  assert.match(output, FINISHED_BAR);
  assert.ok(output.lastIndexOf(SHOW_CURSOR) > output.lastIndexOf(HIDE_CURSOR), 'the cursor came back');
  assert.doesNotMatch(output, /stowage: /);
}

/**
 * The URL `serve` prints once it listens, and its output so far (up to `until`, when given).
 * Its stdout is read on (not a for-await left early, which would close the pipe it logs to).
 */
function listening(server: ChildProcessByStdio<null, Readable, Readable>, until?: RegExp): Promise<{ url: string; log: string }> {
  let log = '';
  return new Promise((resolve, reject) => {
    server.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      log += chunk;
      const found = /listening on (http:\/\/[^\s"]+)/.exec(log)?.[1];
      if (found && (!until || until.test(log))) resolve({ url: found, log });
    });
    server.once('exit', (code) => reject(new Error(`serve exited (${code}) before listening:\n${log}`)));
  });
}

describe('the installed bin on a terminal (npm pack, npm install --omit=dev)', () => {
  let bin: string;
  let reg: TestRegistry;
  let host: string;
  let dir: string;
  let root: string;

  before(async () => {
    bin = await installedStowage();
    reg = await startRegistry();
    host = new URL(reg.url).host;
    dir = await makeTempDir('stowage-e2e-cli-');
    root = join(dir, 'store');
    await writeImageLayout(join(dir, 'src'), { layers: 3, seed: 'e2e-large', tag: 't', sizeBytes: 1_500_000 });
    await runOk(bin, ['copy', '-q', `oci:${join(dir, 'src')}:t`, `docker://${host}/test/large:latest`]);
  });
  after(async () => {
    await reg.close();
    await removeTempDirs();
  });

  it('--help and --version', async () => {
    const help = await runOk(bin, ['--help']);
    assert.match(help.stdout, /^Usage: stowage /);
    for (const verb of ['pull', 'push', 'copy', 'images', 'serve', 'docker']) assert.match(help.stdout, new RegExp(`\\n  ${verb}\\b`));
    const version = (JSON.parse(await readFile(join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string }).version;
    assert.equal((await runOk(bin, ['--version'])).stdout.trim(), version);
  });

  it('serve (bundled apart, on fastify and pino from the production dependencies) answers /v2/', async () => {
    const server = spawn(bin, ['serve', '--addr', '127.0.0.1:0', '--root', join(dir, 'served')], { stdio: ['ignore', 'pipe', 'pipe'] });
    try {
      const { url } = await listening(server);
      const res = await fetch(`${url}/v2/`);
      assert.equal(res.status, 200);
      assert.equal(res.headers.get('docker-distribution-api-version'), 'registry/2.0');
    } finally {
      server.kill('SIGTERM');
      if (server.exitCode === null) await once(server, 'exit');
    }
  });

  it('serve as a pull-through cache: pull through it on a terminal, then registry cache ls lists it', async () => {
    const config = join(dir, 'cache.yml');
    const cacheRoot = join(dir, 'cache-root');
    await writeFile(config, `storage:\n  filesystem:\n    rootdirectory: ${cacheRoot}\nproxies:\n  - host: docker.io\n    remoteurl: ${reg.url}\n`);
    const server = spawn(bin, ['serve', config, '--addr', '127.0.0.1:0'], { stdio: ['ignore', 'pipe', 'pipe'] });
    try {
      // The cache's line comes last of the start-up lines, in a write of its own.
      const { url, log } = await listening(server, /Pull-through cache: .*\n/);
      assert.match(log, /Pull-through cache: docker\.io → http:\/\/127\.0\.0\.1:\d+ \(default\)/);
      const cache = new URL(url).host;
      const { code, output } = await runPty(bin, ['--root', join(dir, 'through-cache'), 'pull', `${cache}/docker.io/test/large`]);
      assert.equal(code, 0, output);
      assertBars(output);
      const listed = await runOk(bin, ['registry', 'cache', 'ls', config, '--format', 'json']);
      assert.match(listed.stdout, /docker\.io\/test\/large/);
    } finally {
      server.kill('SIGTERM');
      if (server.exitCode === null) await once(server, 'exit');
    }
  });

  it('serve on S3 (a real Ceph RGW; the AWS SDK from the production dependencies): copy in on a terminal, blob GETs redirected', async () => {
    const rgw = await sharedRgw();
    const config = join(dir, 's3.yml');
    await writeFile(config, `version: 0.1\nstorage:\n  ${rgw.yaml(await rgw.createBucket(), 'e2e')}\n`);
    const server = spawn(bin, ['serve', config, '--addr', '127.0.0.1:0'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    server.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    try {
      // The storage line comes after the listening line, in a write of its own.
      const { url, log } = await listening(server, /Storage: .*\n/);
      assert.match(log, /s3 bucket [a-z0-9-]+\/e2e at http:\/\/127\.0\.0\.1:\d+/);
      const s3 = new URL(url).host;
      const { code, output } = await runPty(bin, ['copy', `docker://${host}/test/large:latest`, `docker://${s3}/test/large:latest`]);
      assert.equal(code, 0, output);
      assertBars(output);
      const manifest = (await (
        await fetch(`${url}/v2/test/large/manifests/latest`, { headers: { accept: 'application/vnd.oci.image.manifest.v1+json' } })
      ).json()) as {
        layers: Array<{ digest: string }>;
      };
      const layer = manifest.layers[0]?.digest ?? '';
      const redirected = await fetch(`${url}/v2/test/large/blobs/${layer}`, { redirect: 'manual' });
      assert.equal(redirected.status, 307);
      const fetched = await fetch(redirected.headers.get('location') ?? '');
      assert.equal(
        `sha256:${createHash('sha256')
          .update(Buffer.from(await fetched.arrayBuffer()))
          .digest('hex')}`,
        layer,
      );
      // The server's log lines go to stderr: none an error, and no notice of the SDK's.
      assert.doesNotMatch(stderr, /Warning|"level":"error"/);
    } finally {
      server.kill('SIGTERM');
      if (server.exitCode === null) await once(server, 'exit');
      await rgw.stop();
    }
  });

  it('pull draws a bar per blob and ends with the digest and the reference', async () => {
    const { code, output } = await runPty(bin, ['--root', root, 'pull', `${host}/test/large`]);
    assert.equal(code, 0, output);
    assertBars(output);
    assert.match(output, /Using default tag: latest\r\n/);
    assert.match(output, /Digest: sha256:[0-9a-f]{64}\r\nStatus: Downloaded newer image for 127\.0\.0\.1:\d+\/test\/large:latest\r\n/);
    assert.ok(output.trimEnd().endsWith(`${host}/test/large:latest`), output);
  });

  it('push draws its bars and names the digest', async () => {
    await runOk(bin, ['--root', root, 'tag', `${host}/test/large`, `${host}/test/pushed:1`]);
    const { code, output } = await runPty(bin, ['--root', root, 'push', `${host}/test/pushed:1`]);
    assert.equal(code, 0, output);
    assertBars(output);
    const digest = /1: digest: (sha256:[0-9a-f]{64}) size: \d+/.exec(output)?.[1];
    assert.ok(digest, output);
    const res = await fetch(`${reg.url}/v2/test/pushed/manifests/1`, { method: 'HEAD', headers: { accept: 'application/vnd.oci.image.manifest.v1+json' } });
    assert.equal(res.headers.get('docker-content-digest'), digest);
  });

  it('copy docker:// to oci: draws its bars and prints the digest', async () => {
    const out = join(dir, 'copied');
    const { code, output } = await runPty(bin, ['copy', `docker://${host}/test/large:latest`, `oci:${out}:copied`]);
    assert.equal(code, 0, output);
    assertBars(output);
    const digest = /(sha256:[0-9a-f]{64})\r\n$/.exec(output)?.[1];
    assert.equal((await readIndexJson(out)).manifests[0]?.digest, digest);
  });

  it('docker export out of a Docker root draws its bars and writes the archive', async () => {
    const dockerRoot = join(dir, 'docker');
    const builder = new GraphRootBuilder(dockerRoot);
    const layer = await builder.layer(
      undefined,
      'app',
      await packTar([
        { name: 'app', type: 'directory' },
        { name: 'app/data.bin', data: pseudoRandomBytes('e2e-export', 2_000_000) },
      ]),
    );
    await builder.image([layer], ['team/app:1']);
    const archive = join(dir, 'app.tar');
    const { code, output } = await runPty(bin, ['docker', 'export', '--docker-root', dockerRoot, 'team/app:1', archive]);
    assert.equal(code, 0, output);
    assertBars(output);
    assert.match(output, /sha256:[0-9a-f]{64}\r\n$/);
    assert.ok((await stat(archive)).size > 2_000_000);
  });
});
