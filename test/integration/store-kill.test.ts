import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { startFaultProxy, type FaultProxy } from '../support/fault-proxy.js';
import { writeImageLayout, type BuiltImage } from '../support/oci-layout.js';
import { startRegistry, type TestRegistry } from '../support/registry.js';

const CLI = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));
const exec = promisify(execFile);

describe('a pull killed mid-way', () => {
  let reg: TestRegistry;
  let proxy: FaultProxy;
  let dir: string;
  let root: string;
  let image: BuiltImage;
  const stowage = (...args: string[]) => exec(process.execPath, [CLI, '--root', root, ...args], { timeout: 60_000 });

  before(async () => {
    reg = await startRegistry();
    dir = await mkdtemp(join(tmpdir(), 'stowage-kill-'));
    root = join(dir, 'root');
    image = await writeImageLayout(join(dir, 'src'), { layers: 3, seed: 'kill', tag: 't', sizeBytes: 400_000 });
    await stowage('copy', '-q', `oci:${join(dir, 'src')}:t`, `docker://${new URL(reg.url).host}/k/img:t`);
    // The last layer's download stalls half-way: the pull is provably mid-transfer when killed.
    const last = image.layers[2]?.digest ?? '';
    let seen = false;
    proxy = await startFaultProxy(reg.url, (req) => {
      if (req.method !== 'GET' || !req.url?.endsWith(last)) return undefined;
      seen = true;
      return { kind: 'stall', afterBytes: 50_000 };
    });
    (proxy as unknown as { stalled: () => boolean }).stalled = () => seen;
  });
  after(async () => {
    await proxy.close();
    await reg.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('leaves no image and no blob under blobs/ that is not verified; system check --repair cleans up', async () => {
    // One image already in the store, so its blobs must survive the cleanup untouched.
    await writeImageLayout(join(dir, 'src'), { layers: 1, seed: 'keep', tag: 'keep' });
    await stowage('copy', '-q', `oci:${join(dir, 'src')}:keep`, `docker-archive:${join(dir, 'keep.tar')}:keep/me:1`);
    await stowage('load', '-i', join(dir, 'keep.tar'));
    await stowage('tag', 'keep/me:1', 'keep/me:2');
    await stowage('rmi', 'keep/me:2');
    const child = spawn(process.execPath, [CLI, '--root', root, 'pull', '-q', `${proxy.host}/k/img:t`], { stdio: 'ignore' });
    const stalled = (proxy as unknown as { stalled: () => boolean }).stalled;
    for (let i = 0; i < 200 && !stalled(); i++) await new Promise((r) => setTimeout(r, 50));
    assert.ok(stalled(), 'the pull reached the stalled layer');
    await new Promise((r) => setTimeout(r, 200));
    child.kill('SIGKILL');
    await new Promise((r) => child.on('exit', r));

    const listed = (await stowage('images', '--format', '{{.Repository}}:{{.Tag}}')).stdout.trim().split('\n');
    assert.deepEqual(listed, ['keep/me:1'], 'the killed pull made no image visible');
    const staging = await readdir(join(root, 'stowage', 'staging'));
    assert.equal(staging.length, 1, 'its work stayed in its own staging area');
    const check = await stowage('system', 'check').catch((err: { code: number; stdout: string; stderr: string }) => err);
    assert.equal((check as { code?: number }).code, 1, 'check reports the stale staging area');
    await stowage('system', 'check', '--repair');
    assert.deepEqual(await readdir(join(root, 'stowage', 'staging')), []);
    await stowage('system', 'check');
    assert.equal((await stowage('images', '-q')).stdout.trim().split('\n').length, 1);
  });
});
