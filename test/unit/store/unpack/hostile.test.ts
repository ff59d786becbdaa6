// The hostile corpus against applyLayer and exportToTar: for every case, nothing outside the
// target changes (a snapshot of the sentinel-guarded sandbox before and after), the refused
// entries are named in `skipped`, and the legitimate entries around them still apply.

import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { lstat, mkdir, mkdtemp, readFile, readdir, readlink, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable, Writable } from 'node:stream';
import { describe, it } from 'node:test';
import { applyLayer, exportToTar } from '../../../../src/store/unpack/index.js';
import { hostileCorpus, type HostileCase, type Sandbox } from './hostile-corpus.js';
import { buildTar, dir, file, layerSource, listTar } from './layer-tars.js';

async function makeSandbox(): Promise<Sandbox> {
  const base = await mkdtemp(path.join(tmpdir(), 'stowage-hostile-'));
  const sandbox: Sandbox = {
    base,
    outside: path.join(base, 'outside'),
    sentinel: path.join(base, 'sentinel.txt'),
    root: path.join(base, 'l1', 'l2', 'root'),
  };
  await mkdir(sandbox.outside);
  await writeFile(path.join(sandbox.outside, 'file.txt'), 'outside');
  await writeFile(sandbox.sentinel, 'sentinel');
  await mkdir(sandbox.root, { recursive: true });
  await writeFile(path.join(base, 'l1', 'sentinel.txt'), 'l1');
  await writeFile(path.join(base, 'l1', 'l2', 'sentinel.txt'), 'l2');
  return sandbox;
}

/** Everything under the sandbox except the target: type, inode, links, mode, times, content. */
async function snapshot(sandbox: Sandbox, rel = ''): Promise<string[]> {
  const out: string[] = [];
  for (const name of (await readdir(path.join(sandbox.base, rel))).sort()) {
    const childRel = rel === '' ? name : `${rel}/${name}`;
    const abs = path.join(sandbox.base, childRel);
    if (abs === sandbox.root) continue;
    const st = await lstat(abs);
    const what = st.isSymbolicLink()
      ? `link:${await readlink(abs)}`
      : st.isFile()
        ? `file:${createHash('sha256')
            .update(await readFile(abs))
            .digest('hex')}`
        : st.isDirectory()
          ? 'dir'
          : 'other';
    out.push(`${childRel} ${what} ino=${st.ino} nlink=${st.nlink} mode=${st.mode.toString(8)} mtime=${st.mtimeMs} uid=${st.uid}`);
    if (st.isDirectory()) out.push(...(await snapshot(sandbox, childRel)));
  }
  return out;
}

const LEGIT_BEFORE = file('legit-before.txt', 'before');
const LEGIT_AFTER = [dir('legit/'), file('legit/after.txt', 'after')];
const stripSlash = (name: string): string => name.replace(/\/+$/, '');

async function layersFor(c: HostileCase, sandbox: Sandbox): Promise<{ lower: Buffer | null; layer: Buffer }> {
  return {
    lower: c.lower ? await buildTar(c.lower(sandbox)) : null,
    layer: await buildTar([LEGIT_BEFORE, ...c.members(sandbox), ...LEGIT_AFTER]),
  };
}

describe('hostile layer tars: applyLayer', () => {
  for (const c of hostileCorpus) {
    it(c.name, async () => {
      const sandbox = await makeSandbox();
      try {
        const before = await snapshot(sandbox);
        const absBefore = existsSync('/abs');
        const { lower, layer } = await layersFor(c, sandbox);
        if (lower) assert.deepEqual((await applyLayer(Readable.from([lower]), sandbox.root)).skipped, []);
        const result = await applyLayer(Readable.from([layer]), sandbox.root);

        assert.deepEqual(await snapshot(sandbox), before, 'something outside the target changed');
        assert.equal(existsSync('/abs'), absBefore);
        assert.deepEqual(result.skipped.map((s) => stripSlash(s.path)).sort(), c.refused.map(stripSlash).sort());
        if (c.reason) for (const s of result.skipped) assert.match(s.reason, c.reason, s.path);

        assert.equal(await readFile(path.join(sandbox.root, 'legit-before.txt'), 'utf8'), 'before');
        assert.equal(await readFile(path.join(sandbox.root, 'legit/after.txt'), 'utf8'), 'after');
        for (const rel of c.absent ?? []) assert.equal(existsSync(path.join(sandbox.root, rel)), false, `${rel} exists`);
        for (const rel of c.symlinks ?? []) assert.ok((await lstat(path.join(sandbox.root, rel))).isSymbolicLink(), `${rel} is not a symlink`);
        for (const [rel, content] of Object.entries(c.files ?? {})) {
          assert.ok((await lstat(path.join(sandbox.root, rel))).isFile(), `${rel} is not a file`);
          assert.equal(await readFile(path.join(sandbox.root, rel), 'utf8'), content);
        }
      } finally {
        await rm(sandbox.base, { recursive: true, force: true });
      }
    });
  }
});

describe('hostile layer tars: exportToTar', () => {
  for (const c of hostileCorpus) {
    it(`${c.name}: the merged tar holds only confined names`, async () => {
      const sandbox = await makeSandbox();
      try {
        const { lower, layer } = await layersFor(c, sandbox);
        const chunks: Buffer[] = [];
        await exportToTar(
          [...(lower ? [lower] : []), layer].map(layerSource),
          new Writable({
            write(chunk: Buffer, _encoding, callback) {
              chunks.push(chunk);
              callback();
            },
          }),
        );
        const entries = await listTar(Buffer.concat(chunks));
        const kinds = new Map(entries.map((e) => [stripSlash(e.name), e.type]));
        for (const entry of entries) {
          const name = stripSlash(entry.name);
          assert.ok(!name.startsWith('/') && !name.includes('\0'), name);
          assert.ok(!name.split('/').includes('..') && !name.split('/').includes('.'), name);
          // No entry lies beneath a symlink or file of the same tar: extracting it cannot traverse one.
          const parts = name.split('/');
          for (let i = 1; i < parts.length; i++) {
            const kind = kinds.get(parts.slice(0, i).join('/'));
            assert.ok(kind === undefined || kind === 'directory', `${name} is under a ${kind}`);
          }
          if (entry.type === 'link') assert.ok(kinds.has(entry.linkname ?? ''), `${name} links to ${entry.linkname}`);
        }
        assert.ok(kinds.has('legit-before.txt') && kinds.has('legit/after.txt'));
      } finally {
        await rm(sandbox.base, { recursive: true, force: true });
      }
    });
  }
});
