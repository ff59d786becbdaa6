// The README's library example (examples/library.ts), run as a user runs it: its compiled file
// beside the package installed from `npm pack` (production dependencies only), importing
// 'stowage' from there, against a registry holding a test image.

import assert from 'node:assert/strict';
import { copyFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { writeImageLayout } from '../support/oci-layout.js';
import { makeTempDir, removeTempDirs, REPO_ROOT, runOk } from '../support/process.js';
import { startRegistry, type TestRegistry } from '../support/registry.js';
import { installedStowage } from './installed.js';

describe('the library example, against the installed package', () => {
  let prefix: string;
  let reg: TestRegistry;
  let image: string;
  let dir: string;

  before(async () => {
    const bin = await installedStowage();
    prefix = dirname(dirname(dirname(bin)));
    reg = await startRegistry();
    dir = await makeTempDir('stowage-e2e-example-');
    await writeImageLayout(join(dir, 'src'), { layers: 2, seed: 'e2e-example', tag: 't', sizeBytes: 200_000 });
    image = `${new URL(reg.url).host}/example/source:1`;
    await runOk(bin, ['copy', '-q', `oci:${join(dir, 'src')}:t`, `docker://${image}`]);
    // .mjs: the install prefix has no "type": "module"; the file is the compiled example as is.
    await copyFile(join(REPO_ROOT, 'dist', 'examples', 'library.js'), join(prefix, 'library-example.mjs'));
  });
  after(async () => {
    await reg.close();
    await removeTempDirs();
  });

  it('pulls into a store, serves a registry, pushes to it and reads the image back', async () => {
    const { stdout } = await runOk(process.execPath, [join(prefix, 'library-example.mjs'), image, join(dir, 'store')], { cwd: prefix });
    const lines = stdout.trim().split('\n');
    assert.equal(lines.filter((line) => /^copied sha256:[0-9a-f]{64}$/.test(line)).length, 3, stdout);
    assert.match(stdout, new RegExp(`^pulled ${image.replace(/:1$/, '')}@sha256:[0-9a-f]{64}$`, 'm'));
    const pushed = /^pushed 127\.0\.0\.1:\d+\/example\/app:1 (sha256:[0-9a-f]{64})$/m.exec(stdout)?.[1];
    assert.ok(pushed, stdout);
    // What the in-process registry served is what was pushed: same digest, both layers.
    assert.match(stdout, new RegExp(`^served ${pushed} linux/amd64 2 layer\\(s\\)$`, 'm'));
  });
});
