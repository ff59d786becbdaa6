// Ctrl-C typed at the terminal during a pull with the installed bin, as a user does it: the PTY's
// line discipline sends SIGINT to the pull. It must stop, give the cursor back (the bars hid it),
// exit 130, and leave no image, no staging area and nothing `system check` reports.

import assert from 'node:assert/strict';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startStallingProxy, type StallingProxy } from '../support/fault-proxy.js';
import { writeImageLayout } from '../support/oci-layout.js';
import { makeTempDir, removeTempDirs, runOk } from '../support/process.js';
import { spawnPty } from '../support/pty.js';
import { startRegistry, type TestRegistry } from '../support/registry.js';
import { installedStowage } from './installed.js';

describe('the installed bin: Ctrl-C during a pull', () => {
  let bin: string;
  let reg: TestRegistry;
  let proxy: StallingProxy;
  let dir: string;

  before(async () => {
    bin = await installedStowage();
    reg = await startRegistry();
    dir = await makeTempDir('stowage-e2e-interrupt-');
    const image = await writeImageLayout(join(dir, 'src'), { layers: 3, seed: 'e2e-interrupt', tag: 't', sizeBytes: 1_000_000 });
    await runOk(bin, ['copy', '-q', `oci:${join(dir, 'src')}:t`, `docker://${new URL(reg.url).host}/test/large:latest`]);
    // The last layer is served slowly: 300 kB, then nothing. The pull is in progress when interrupted.
    proxy = await startStallingProxy(reg.url, image.layers[2]?.digest ?? '', 300_000);
  });
  after(async () => {
    await proxy.close();
    await reg.close();
    await removeTempDirs();
  });

  it('stops, shows the cursor again, exits 130, and leaves the store clean', async () => {
    const root = join(dir, 'store');
    const pty = spawnPty(bin, ['--root', root, 'pull', `${proxy.host}/test/large`]);
    // The stalled layer's bar shows its first bytes: the transfer is under way.
    await pty.waitFor(/\] [1-9]\d?% \| 300\.0kB \/ /);
    assert.ok(proxy.stalls() > 0);
    assert.equal((await readdir(join(root, 'stowage', 'staging'))).length, 1, 'the pull has its staging area');
    const before = pty.output().length;
    pty.type('\x03');
    assert.equal(await pty.exited, 130, pty.output());
    const after = pty.output().slice(before);
    assert.ok(after.includes('\x1b[?25h'), `the cursor was not shown again after Ctrl-C: ${JSON.stringify(after)}`);
    assert.doesNotMatch(pty.output(), /stowage: |Digest: /);

    assert.deepEqual(await readdir(join(root, 'stowage', 'staging')), [], 'the staging area was removed');
    assert.equal((await runOk(bin, ['--root', root, 'images', '-q'])).stdout, '');
    assert.match((await runOk(bin, ['--root', root, 'system', 'check'])).stdout, /No problems found/);
  });
});
