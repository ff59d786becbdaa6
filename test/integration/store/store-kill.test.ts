// The local store under faults: a pull killed at any moment, or out of space, leaves no image and,
// once any verb has started again, nothing `system check` reports (store/recovery.ts).
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { startStallingProxy, type StallingProxy } from '../../support/fault-proxy.js';
import { writeImageLayout, type BuiltImage } from '../../support/oci-layout.js';
import { startRegistry, type TestRegistry } from '../../support/registry.js';
import { mountTmpfs } from '../../support/tmpfs.js';

const CLI = fileURLToPath(new URL('../../../src/cli/main.js', import.meta.url));
const exec = promisify(execFile);
type Failed = { code?: number; stdout: string; stderr: string };

describe('the local store under faults', () => {
  let reg: TestRegistry;
  let proxy: StallingProxy;
  let dir: string;
  let image: BuiltImage;
  const stowage = (root: string, ...args: string[]) => exec(process.execPath, [CLI, '--root', root, ...args], { timeout: 120_000 });
  const failing = (root: string, ...args: string[]) =>
    stowage(root, ...args).then(
      () => assert.fail(`stowage ${args.join(' ')} succeeded`),
      (err: Failed) => err,
    );
  const listed = async (root: string) => (await stowage(root, 'images', '--format', '{{.Repository}}:{{.Tag}}')).stdout.split('\n').filter(Boolean);
  const staging = (root: string) => readdir(join(root, 'stowage', 'staging')).catch(() => [] as string[]);

  before(async () => {
    reg = await startRegistry();
    dir = await mkdtemp(join(tmpdir(), 'stowage-kill-'));
    image = await writeImageLayout(join(dir, 'src'), { layers: 3, seed: 'kill', tag: 't', sizeBytes: 400_000 });
    await writeImageLayout(join(dir, 'src'), { layers: 1, seed: 'keep', tag: 'keep' });
    await stowage(join(dir, 'seed'), 'copy', '-q', `oci:${join(dir, 'src')}:t`, `docker://${new URL(reg.url).host}/k/img:t`);
    await stowage(join(dir, 'seed'), 'copy', '-q', `oci:${join(dir, 'src')}:keep`, `docker-archive:${join(dir, 'keep.tar')}:keep/me:1`);
    // The last layer's download stalls part-way: a pull through the proxy is provably mid-transfer.
    proxy = await startStallingProxy(reg.url, image.layers[2]?.digest ?? '', 50_000);
  });
  after(async () => {
    await proxy.close();
    await reg.close();
    await rm(dir, { recursive: true, force: true });
  });

  /** A store (at `name` under dir, or an absolute path) holding keep/me:1, whose blobs must survive every cleanup untouched. */
  async function storeWithKeep(name: string): Promise<string> {
    const root = resolve(dir, name);
    await stowage(root, 'load', '-i', join(dir, 'keep.tar'));
    return root;
  }

  it('a pull killed mid-transfer: no image, and the next verb removes its staging area', async () => {
    const root = await storeWithKeep('mid');
    const stalls = proxy.stalls();
    const child = spawn(process.execPath, [CLI, '--root', root, 'pull', '-q', `${proxy.host}/k/img:t`], { stdio: 'ignore' });
    const exited = new Promise((r) => child.once('exit', r));
    for (let i = 0; i < 200 && proxy.stalls() === stalls; i++) await new Promise((r) => setTimeout(r, 50));
    assert.ok(proxy.stalls() > stalls, 'the pull reached the stalled layer');
    await new Promise((r) => setTimeout(r, 200));
    assert.equal((await staging(root)).length, 1, 'the pull works in its own staging area');
    child.kill('SIGKILL');
    await exited;

    assert.deepEqual(await listed(root), ['keep/me:1'], 'the killed pull made no image visible');
    assert.deepEqual(await staging(root), [], 'the next verb (images) removed the staging area the killed pull left');
    assert.match((await stowage(root, 'system', 'check')).stdout, /No problems found/);
    await stowage(root, 'pull', '-q', `${reg.url.slice(7)}/k/img:t`);
    assert.deepEqual((await listed(root)).sort(), [`${reg.url.slice(7)}/k/img:t`, 'keep/me:1']);
  });

  it('a commit killed between moving blobs in and writing images.json: the next verb collects the blobs', async () => {
    // What SIGKILL inside StoreSink.commit leaves: the dead process's staging area and a blob in
    // blobs/ that images.json does not name. Built by hand, as no signal lands there reliably.
    const root = await storeWithKeep('commit');
    await mkdir(join(root, 'stowage', 'staging', '999999999-deadbeef'), { recursive: true });
    const orphan = 'a'.repeat(64);
    await writeFile(join(root, 'blobs', 'sha256', orphan), 'moved in, never recorded');
    assert.ok((await readdir(join(root, 'blobs', 'sha256'))).includes(orphan));
    assert.deepEqual(await listed(root), ['keep/me:1']);
    assert.ok(!(await readdir(join(root, 'blobs', 'sha256'))).includes(orphan), 'the unreferenced blob went');
    assert.deepEqual(await staging(root), []);
    assert.match((await stowage(root, 'system', 'check')).stdout, /No problems found/);
  });

  it('pulls SIGKILLed at random moments never leave an image half there, nor anything system check reports after the next verb', async () => {
    const root = await storeWithKeep('random');
    const reference = `${reg.url.slice(7)}/k/img:t`;
    const started = Date.now();
    await stowage(root, 'pull', '-q', reference);
    const full = Date.now() - started;
    await stowage(root, 'rmi', reference);
    for (let round = 0; round < 8; round++) {
      const child = spawn(process.execPath, [CLI, '--root', root, 'pull', '-q', reference], { stdio: 'ignore' });
      const exited = new Promise((r) => child.once('exit', r));
      // From the start of the process to just past a whole pull, commit included.
      await new Promise((r) => setTimeout(r, Math.random() * full * 1.1));
      child.kill('SIGKILL');
      await exited;
      const images = await listed(root);
      const check = await stowage(root, 'system', 'check').catch((err: Failed) => err);
      assert.match(check.stdout, /No problems found/, `round ${round}: ${check.stdout}${check.stderr}`);
      // Landed whole, if it landed (killed after the commit): check above hashed every blob of it.
      if (images.includes(reference)) await stowage(root, 'rmi', reference);
      assert.deepEqual(
        (await listed(root)).filter((r) => r !== reference),
        ['keep/me:1'],
        `round ${round}`,
      );
    }
  });

  it('out of space: one line naming the path, exit 1, no image, and system check clean after the next verb', async (t) => {
    // 1100 kB holds keep/me:1 and two of the three 400 kB layers, not the third.
    const disk = await mountTmpfs(1100 * 1024);
    t.after(() => disk.unmount());
    const root = await storeWithKeep(join(disk.dir, 'root'));
    const failed = await failing(root, 'pull', '-q', `${reg.url.slice(7)}/k/img:t`);
    assert.equal(failed.code, 1);
    const lines = failed.stderr.trim().split('\n');
    assert.equal(lines.length, 1, failed.stderr);
    assert.match(lines[0] ?? '', new RegExp(`^stowage: .*no space left on device writing ${root}/stowage/\\S+$`));
    assert.deepEqual(await listed(root), ['keep/me:1']);
    assert.deepEqual(await staging(root), [], 'the failed pull removed its staging area');
    assert.match((await stowage(root, 'system', 'check')).stdout, /No problems found/);
  });
});
