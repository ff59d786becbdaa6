// The package as users get it: `npm pack` of this build, installed from the tarball into a fresh
// prefix with production dependencies only, and its `bin` run from <prefix>/node_modules/.bin.
// The tests elsewhere run dist/src/cli/main.js, which is not what `npm install -g stowage` runs
// (the esbuild bundle, dist/bundle/main.mjs, over the dependencies npm resolves for it).
//
// Packing and installing take ~40 s here, so each build is installed once and shared by the e2e
// files (node --test runs them one after another): the install directory is named after a hash of
// what the tarball holds (package.json, the lock, dist/src, dist/bundle), built aside and renamed
// into place when complete. Another build gets another directory; ones older than a day go.

import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, rename, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT, runOk } from '../support/process.js';

let installing: Promise<string> | undefined;

/** Path of the installed `stowage` bin (<prefix>/node_modules/.bin/stowage). */
export function installedStowage(): Promise<string> {
  installing ??= install();
  return installing;
}

async function install(): Promise<string> {
  const key = await buildHash();
  const dir = join(tmpdir(), `stowage-e2e-${key}`);
  const bin = join(dir, 'node_modules', '.bin', 'stowage');
  if (existsSync(bin)) return bin;
  await removeOld();
  const partial = `${dir}.partial-${process.pid}`;
  await rm(partial, { recursive: true, force: true });
  await mkdir(partial, { recursive: true });
  // The build is the one under test (npm test builds first): pack it as it is, without `prepare`.
  await runOk('npm', ['pack', '--ignore-scripts', '--pack-destination', partial], { cwd: REPO_ROOT, timeoutMs: 300_000 });
  const tarball = (await readdir(partial)).find((name) => name.endsWith('.tgz'));
  if (!tarball) throw new Error(`npm pack wrote no tarball into ${partial}`);
  // --prefer-offline: the npm cache usually holds every dependency; the registry is asked otherwise.
  await runOk('npm', ['install', '--omit=dev', '--no-audit', '--no-fund', '--prefer-offline', '--prefix', partial, join(partial, tarball)], {
    cwd: partial,
    timeoutMs: 600_000,
  });
  await rename(partial, dir).catch(async (err: NodeJS.ErrnoException) => {
    // Another process installed the same build meanwhile: use that one.
    if (!existsSync(bin)) throw err;
    await rm(partial, { recursive: true, force: true });
  });
  return bin;
}

async function buildHash(): Promise<string> {
  const hash = createHash('sha256');
  for (const file of ['package.json', 'package-lock.json']) hash.update(await readFile(join(REPO_ROOT, file)));
  for (const top of ['dist/src', 'dist/bundle']) {
    const names = (await readdir(join(REPO_ROOT, top), { recursive: true })).sort();
    for (const name of names) {
      const path = join(REPO_ROOT, top, name);
      if (!(await stat(path)).isFile()) continue;
      hash.update(`${top}/${name}\0`);
      hash.update(await readFile(path));
    }
  }
  return hash.digest('hex').slice(0, 16);
}

async function removeOld(): Promise<void> {
  const dayAgo = Date.now() - 24 * 3600_000;
  for (const name of await readdir(tmpdir()).catch(() => [] as string[])) {
    if (!name.startsWith('stowage-e2e-')) continue;
    const path = join(tmpdir(), name);
    const info = await stat(path).catch(() => undefined);
    if (info && info.mtimeMs < dayAgo) await rm(path, { recursive: true, force: true });
  }
}
