// Root filesystems exactly as docker has them. A Debian bookworm minbase rootfs (debootstrap)
// is `docker import`ed into a dockerd of our own (overlay2), a multi-layer image is built on
// it (`docker build --network=none`: whiteouts, an opaque directory, hard links, set-id files,
// a file capability, owners beyond 7 octal digits, mtimes of 1960 and 2100, a 100 MB file, a
// path > 255 bytes, a symlink with a long target), `docker save`d and `stowage load`ed. Then
// `stowage export -o`, `stowage export --dir` and `stowage image unpack` are compared entry by
// entry with `docker export` of a container of the image (and with docker's own overlay2 layer
// directories): type, mode, uid/gid, size, link target, mtime, xattrs, sha256 of the content,
// hard-link groups. Last, docker and podman import what Stowage exported.
//
// What docker export leaves out by design, and the comparison therefore leaves out:
//  - its init layer (/.dockerenv, /etc/hosts, /etc/hostname, /etc/resolv.conf, /etc/mtab,
//    /dev/console, and the mtimes of the directories it wrote them into);
//  - every xattr but security.capability (moby's ReadSecurityXattrToTarHeader reads only that
//    one); Stowage keeps the layer's user.* xattrs, which are checked against the layer itself;
// Mtimes before 1970 are the epoch in docker export and in docker's overlay2 directories
// (moby's Chtimes bounds them) while the layer docker built carries 1960: Stowage bounds them
// the same way, so they compare equal like every other entry.
//  - sub-second mtimes and the S_IFMT bits in the mode field (docker export truncates the one
//    and adds the other), and uname/gname: docker 20.10 names owners from the daemon host's
//    /etc/passwd (Go's tar.FileInfoHeader), later versions write none (FileInfoHeaderNoLookups);
//    Stowage writes what the layer says, checked against the layers docker built.

import assert from 'node:assert/strict';
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { BASE_NOTE, debianBase, LONG_DIR, LONG_TARGET, writeBuildContext } from '../support/debian-rootfs.js';
import { startDockerd, DOCKER_BIN, type Dockerd } from '../support/dockerd.js';
import { STOWAGE_CLI, makeTempDir, removeTempDirs, runOk, stopAll } from '../support/process.js';
import { compareTrees, dirTree, tarTree, type Tree } from '../support/rootfs-compare.js';

const IMAGE = 'stowage-test/rootfs:1';
const BASE = 'stowage-test/debian-base:1';
/** What docker's init layer adds to every container (moby daemon/initlayer). */
const INIT_ENTRIES = new Set(['.dockerenv', 'etc/hosts', 'etc/hostname', 'etc/resolv.conf', 'etc/mtab', 'dev/console']);
/** The directories the init layer writes into: their mtimes are the container's, not the image's. */
const INIT_DIRS = new Set(['etc', 'dev']);
const CAPABILITY = 'security.capability';
/** Made before 1970 by the build: the epoch in docker export (see above). */
const PRE_1970 = ['opt/old', 'opt/old-dir'];

describe('stowage export and image unpack give what docker export gives', () => {
  let dir: string;
  let root: string;
  let dockerd: Dockerd;
  let expected: Tree;
  let dockerOrder: string[];
  const stowage = (...args: string[]) => runOk(process.execPath, [STOWAGE_CLI, '--root', root, ...args], { timeoutMs: 600_000 });
  const docker = (args: string[]) => dockerd.docker(args, 900_000);
  const fromInit = (name: string) => INIT_ENTRIES.has(name);
  const initMtime = (name: string) => INIT_DIRS.has(name);
  /** Times node:fs sets are microseconds (libuv), docker's nanoseconds. */
  const onDisk = { mtimeMicroseconds: true };
  const report = (what: string, result: { differences: string[]; compared: number }) => {
    console.log(`${what}: ${result.compared} entries compared, ${result.differences.length} differences`);
    assert.deepEqual(result.differences, [], `${what} differs from docker export`);
  };

  before(async () => {
    dir = await makeTempDir('stowage-rootfs-docker-');
    root = join(dir, 'store');
    const base = await debianBase();
    dockerd = await startDockerd('overlay2');
    await docker(['import', base.tar, BASE]);
    const context = join(dir, 'context');
    await mkdir(context);
    await writeBuildContext(context, BASE);
    // The classic builder (docker 20.10's default): one layer per step, as overlay2 diffs.
    await runOk(DOCKER_BIN, ['build', '--network=none', '-q', '-t', IMAGE, context], {
      env: { ...process.env, DOCKER_HOST: `unix://${dockerd.socket}`, DOCKER_BUILDKIT: '0' },
      timeoutMs: 900_000,
    });
    await docker(['save', '-o', join(dir, 'image.tar'), IMAGE]);
    await stowage('load', '-i', join(dir, 'image.tar'));
    await docker(['create', '--name', 'reference', IMAGE, '/bin/true']);
    await docker(['export', '-o', join(dir, 'docker-export.tar'), 'reference']);
    ({ tree: expected, order: dockerOrder } = await tarTree(join(dir, 'docker-export.tar')));
  });
  after(async () => {
    await dockerd?.stop();
    await stopAll();
    await removeTempDirs();
  });

  it('the reference holds what the build made', () => {
    console.log(`docker export: ${expected.size} entries`);
    assert.ok(expected.size > 5000, `${expected.size} entries`);
    assert.equal(expected.get('opt/owned')?.uid, 4_000_000);
    assert.equal(expected.get('opt/owned')?.gid, 3_000_000_000);
    for (const name of PRE_1970) assert.equal(expected.get(name)?.mtime.seconds, 0, name);
    assert.equal(expected.get('opt/future')?.mtime.seconds, Date.UTC(2100, 0, 1) / 1000);
    assert.equal(expected.get('opt/big')?.size, 104_857_600);
    assert.equal(expected.get(`${LONG_DIR}/file`)?.size, 5);
    assert.equal(expected.get('opt/longlink')?.linkname, LONG_TARGET);
    assert.ok(expected.get('usr/local/bin/ping-cap')?.xattrs[CAPABILITY], 'the capability set in a RUN step');
    assert.ok(expected.get('usr/local/bin/base-ping')?.xattrs[CAPABILITY], 'the capability of the base layer');
    assert.equal(expected.get('usr/local/bin/suid')?.mode, 0o4755);
    assert.equal(expected.get('opt/links/a')?.group, 'opt/links/a\nopt/links/b\nopt/links/c');
    assert.equal(expected.has('etc/issue.net'), false);
    assert.equal(expected.has('srv'), false);
    assert.deepEqual(
      [...expected.keys()].filter((n) => n.startsWith('etc/apt/apt.conf.d/')),
      ['etc/apt/apt.conf.d/99stowage'],
    );
    assert.equal(dockerOrder.length, expected.size);
    // docker export walks the merged tree: each directory before its children, names sorted.
    assert.deepEqual(dockerOrder.slice(0, 3), ['.dockerenv', 'bin', 'boot']);
  });

  it('stowage export -o: every entry as docker export has it; GNU tar reads it', async () => {
    const file = join(dir, 'stowage-export.tar');
    await stowage('export', '-o', file, IMAGE);
    const { tree } = await tarTree(file);
    report('stowage export -o', compareTrees(expected, tree, { ignore: fromInit, ignoreMtime: initMtime, xattr: (k) => k === CAPABILITY }));
    // Owner names as the layers have them: none in the base (GNU tar --numeric-owner), the
    // daemon's lookups in the layers docker built.
    assert.equal(tree.get('etc/passwd')?.uname, '');
    assert.equal(tree.get('usr/local/bin/suid')?.uname, 'root');
    assert.equal(tree.get('usr/local/bin/suid')?.gname, 'root');
    // Sub-second mtimes are the base layer's (GNU tar pax), which docker export truncates.
    assert.ok([...tree.values()].some((node) => node.mtime.nanoseconds !== 0));
    // docker export drops user.* xattrs; the image has them, and so does Stowage's export.
    assert.equal(tree.get('etc/debian_version')?.xattrs['user.stowage.note'], BASE_NOTE.toString('hex'));
    assert.equal(expected.get('etc/debian_version')?.xattrs['user.stowage.note'], undefined);
    await runOk('tar', ['--xattrs', '-tvf', file], { timeoutMs: 300_000 });
  });

  it('stowage export --dir: the tree on disk is the docker export (lstat, getfattr, sha256), exit 0', async () => {
    const out = join(dir, 'stowage-dir');
    await stowage('export', '--dir', out, IMAGE);
    const tree = await dirTree(out);
    report('stowage export --dir', compareTrees(expected, tree, { ignore: fromInit, ignoreMtime: initMtime, xattr: (k) => k === CAPABILITY, ...onDisk }));
    assert.equal(tree.get('etc/debian_version')?.xattrs['user.stowage.note'], BASE_NOTE.toString('hex'));
  });

  it("stowage image unpack: each layer directory is docker's overlay2 diff of that layer", async () => {
    const paths = (await stowage('image', 'unpack', IMAGE)).stdout.trim().split('\n');
    const data = JSON.parse((await docker(['image', 'inspect', '--format', '{{json .GraphDriver.Data}}', IMAGE])).stdout) as {
      UpperDir: string;
      LowerDir?: string;
    };
    const diffs = [...(data.LowerDir ?? '').split(':').filter(Boolean).reverse(), data.UpperDir];
    assert.equal(paths.length, diffs.length, 'one directory per layer');
    let compared = 0;
    for (const [i, path] of paths.entries()) {
      const ours = whiteoutFiles(await dirTree(path.replace(/ \(already unpacked\)$/, '')));
      const theirs = overlayAsWhiteouts(await dirTree(diffs[i] as string));
      const result = compareTrees(theirs, ours, { xattr: (k) => !k.startsWith('trusted.overlay.'), ...onDisk });
      console.log(`layer ${i + 1}: ${result.compared} entries, ${result.differences.length} differences`);
      assert.deepEqual(result.differences, [], `layer ${i + 1} (${diffs[i]})`);
      compared += result.compared;
    }
    console.log(`stowage image unpack: ${compared} entries compared over ${paths.length} layers`);
  });

  it('docker import and podman import take what stowage export wrote; a container of it exports the same again', async () => {
    const file = join(dir, 'stowage-export.tar');
    await docker(['import', file, 'stowage-test/reimported:1']);
    await docker(['create', '--name', 'again', 'stowage-test/reimported:1', '/bin/true']);
    await docker(['export', '-o', join(dir, 'again.tar'), 'again']);
    const { tree } = await tarTree(join(dir, 'again.tar'));
    report(
      'docker export of the re-imported export',
      compareTrees(expected, tree, { ignore: fromInit, ignoreMtime: initMtime, ownerNames: true, rawMode: true }),
    );
    const podman = ['--root', join(dir, 'podman-root'), '--runroot', join(dir, 'podman-run'), '--storage-driver', 'vfs'];
    await runOk('podman', [...podman, 'import', file, 'stowage-test/podman:1'], { timeoutMs: 600_000 });
    const inspect = JSON.parse((await runOk('podman', [...podman, 'image', 'inspect', 'stowage-test/podman:1'])).stdout) as Array<{
      RootFS: { Layers: string[] };
    }>;
    assert.equal(inspect[0]?.RootFS.Layers.length, 1);
    assert.ok((await readFile(file)).length > 100_000_000);
  });
});

/**
 * overlay2 keeps whiteouts as 0/0 character devices and opaque directories as the xattr
 * trusted.overlay.opaque=y; a layer's own directory (`image unpack`) keeps them as the tar has
 * them, `.wh.<name>` and `.wh..wh..opq` files. Translated here; only their presence is compared.
 */
function overlayAsWhiteouts(tree: Tree): Tree {
  const out: Tree = new Map();
  for (const [name, node] of tree) {
    if (node.type === 'character-device' && node.devmajor === 0 && node.devminor === 0) {
      const slash = name.lastIndexOf('/');
      out.set(`${name.slice(0, slash + 1)}.wh.${name.slice(slash + 1)}`, WHITEOUT);
      continue;
    }
    if (node.xattrs['trusted.overlay.opaque'] === '79') out.set(`${name}/.wh..wh..opq`, WHITEOUT);
    out.set(name, node);
  }
  return out;
}

/** Our side of the same: `.wh.` files reduced to their presence. */
function whiteoutFiles(tree: Tree): Tree {
  const out: Tree = new Map();
  for (const [name, node] of tree) out.set(name, name.slice(name.lastIndexOf('/') + 1).startsWith('.wh.') ? WHITEOUT : node);
  return out;
}

const WHITEOUT = { type: 'whiteout', mode: 0, uid: 0, gid: 0, size: 0, linkname: '', mtime: { seconds: 0, nanoseconds: 0 }, xattrs: {}, group: '' };
