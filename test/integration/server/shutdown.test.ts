import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

const CLI = fileURLToPath(new URL('../../../src/cli/main.js', import.meta.url));

interface Served {
  child: ChildProcess;
  url: string;
  exited: Promise<number | null>;
}

async function startCli(args: string[]): Promise<Served> {
  const child = spawn(process.execPath, [CLI, 'serve', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    let err = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const match = /listening on (http:\/\/\S+)/.exec(out);
      if (match?.[1]) resolve(match[1]);
    });
    child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
    child.on('exit', (code) => reject(new Error(`server exited (${code}) before listening: ${err}`)));
  });
  return { child, url, exited };
}

/** Starts a monolithic upload (POST then PUT) whose body is sent in two halves, under the test's control. */
async function slowUpload(url: string, blob: Buffer) {
  const digest = `sha256:${createHash('sha256').update(blob).digest('hex')}`;
  const post = await fetch(`${url}/v2/slow/blobs/uploads/`, { method: 'POST' });
  assert.equal(post.status, 202);
  const location = new URL(post.headers.get('location')!, url);
  location.searchParams.set('digest', digest);
  const req = request(location, { method: 'PUT', headers: { 'content-length': blob.length, 'content-type': 'application/octet-stream' } });
  const response = new Promise<number>((resolve, reject) => {
    req.on('response', (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', reject);
  });
  response.catch(() => undefined);
  req.write(blob.subarray(0, blob.length / 2));
  return { digest, response, finish: () => req.end(blob.subarray(blob.length / 2)), abort: () => req.destroy() };
}

describe('stowage serve shutdown', () => {
  const dirs: string[] = [];
  after(async () => {
    for (const dir of dirs) await rm(dir, { recursive: true, force: true });
  });

  it('on SIGTERM stops accepting, lets an in-flight upload finish, and exits 0', async () => {
    const root = await mkdtemp(join(tmpdir(), 'stowage-shutdown-'));
    dirs.push(root);
    const served = await startCli(['--addr', '127.0.0.1:0', '--root', root]);
    const blob = randomBytes(1024 * 1024);
    const upload = await slowUpload(served.url, blob);
    await new Promise((r) => setTimeout(r, 100));
    served.child.kill('SIGTERM');
    await new Promise((r) => setTimeout(r, 300));
    await assert.rejects(fetch(`${served.url}/v2/`), 'a new connection after SIGTERM must be refused');
    upload.finish();
    assert.equal(await upload.response, 201);
    assert.equal(await served.exited, 0);
    const hex = upload.digest.slice('sha256:'.length);
    const data = await readFile(join(root, 'docker/registry/v2/blobs/sha256', hex.slice(0, 2), hex, 'data'));
    assert.ok(data.equals(blob));
  });

  it('past the drain timeout exits and leaves no half-written blob under blobs/', async () => {
    const root = await mkdtemp(join(tmpdir(), 'stowage-shutdown-'));
    dirs.push(root);
    const config = join(root, 'config.yml');
    await writeFile(config, `storage:\n  filesystem:\n    rootdirectory: ${root}/data\nhttp:\n  addr: 127.0.0.1:0\n  draintimeout: 1s\n`);
    const served = await startCli([config]);
    const upload = await slowUpload(served.url, randomBytes(1024 * 1024));
    await new Promise((r) => setTimeout(r, 100));
    served.child.kill('SIGTERM');
    assert.equal(await served.exited, 0);
    upload.abort();
    const blobs = join(root, 'data/docker/registry/v2/blobs');
    assert.equal(existsSync(blobs) ? (await readdir(blobs, { recursive: true })).length : 0, 0);
  });
});
