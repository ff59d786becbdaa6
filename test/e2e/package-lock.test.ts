// `npm install` on a fresh clone must leave package-lock.json as committed. It did not: the lock's
// root entry still named the old bin (dist/src/cli/main.js), so every install rewrote it.

import assert from 'node:assert/strict';
import { copyFile, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { makeTempDir, removeTempDirs, REPO_ROOT, runOk } from '../support/process.js';

describe('package-lock.json', () => {
  after(removeTempDirs);

  it('is what npm install makes of package.json: installing rewrites nothing', async () => {
    const dir = await makeTempDir('stowage-lock-');
    for (const file of ['package.json', 'package-lock.json']) await copyFile(join(REPO_ROOT, file), join(dir, file));
    // --package-lock-only: the lock npm install would write, without installing or running scripts.
    await runOk('npm', ['install', '--package-lock-only', '--ignore-scripts', '--no-audit', '--no-fund', '--prefer-offline'], { cwd: dir, timeoutMs: 300_000 });
    assert.equal(await readFile(join(dir, 'package-lock.json'), 'utf8'), await readFile(join(REPO_ROOT, 'package-lock.json'), 'utf8'));
  });
});
