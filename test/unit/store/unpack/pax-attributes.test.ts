// What docker keeps of a file and tar-stream lost: pax uid/gid beyond 7 octal digits, mtimes
// after 2038 and with fractions, extended attributes (file capabilities, user.*) put on the
// files unpacked (as root, which the tests run as), and a layer tar exported again keeps them
// all. Mtimes before 1970 and after 2262 are read, then made the epoch as docker and containerd
// make them (moby system.Chtimes, containerd boundTime).

import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { lstat, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable, Writable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { applyLayer, exportToTar } from '../../../../src/store/unpack/index.js';
import { packTar, type PackEntry } from '../../../../src/tar/index.js';
import { entriesOf } from '../../tar/tar-helpers.js';

const exec = promisify(execFile);
const CAPABILITY = Buffer.from('0100000200200000000000000000000000000000', 'hex'); // cap_net_raw+ep
const T1960 = Date.UTC(1960, 0, 1) / 1000;
const T2100 = Date.UTC(2100, 0, 1) / 1000;
const T2300 = Date.UTC(2300, 0, 1) / 1000;

const LAYER: PackEntry[] = [
  { header: { name: 'bin/', type: 'directory', mtime: { seconds: T1960, nanoseconds: 0 }, xattrs: new Map([['user.dir', Buffer.from('d')]]) } },
  {
    header: {
      name: 'bin/ping',
      mode: 0o4755,
      size: 2,
      uid: 4_000_000,
      gid: 3_000_000_000,
      mtime: { seconds: T2100, nanoseconds: 0 },
      xattrs: new Map([
        ['security.capability', CAPABILITY],
        ['user.bytes', Buffer.from([0, 0xff])],
      ]),
    },
    data: Buffer.from('pi'),
  },
  { header: { name: 'bin/frac', size: 0, mtime: { seconds: 1_700_000_000, nanoseconds: 123_456_789 } } },
  { header: { name: 'bin/frac2', size: 0, mtime: { seconds: 1_796_163_372, nanoseconds: 484_339_113 } } },
  { header: { name: 'bin/link', type: 'symlink', linkname: 'ping', mtime: { seconds: T1960, nanoseconds: 500_000_000 } } },
  { header: { name: 'bin/late', size: 0, mtime: { seconds: T2300, nanoseconds: 0 } } },
];

async function layerTar(): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of packTar(LAYER)) chunks.push(chunk);
  return Buffer.concat(chunks);
}

async function xattrsOf(file: string): Promise<string> {
  return (await exec('getfattr', ['--absolute-names', '-h', '-d', '-m', '-', '-e', 'hex', file])).stdout;
}

describe('pax attributes on unpack and export', () => {
  let work: string;
  before(async () => {
    work = await mkdtemp(path.join(tmpdir(), 'stowage-pax-attributes-'));
  });
  after(() => rm(work, { recursive: true, force: true }));

  it('applies big ids, out-of-range and sub-second mtimes and xattrs', async () => {
    const target = path.join(work, 'applied');
    const result = await applyLayer(Readable.from([await layerTar()]), target);
    assert.deepEqual(result.skipped, []);
    const ping = await lstat(path.join(target, 'bin/ping'), { bigint: true });
    assert.equal(ping.uid, 4_000_000n);
    assert.equal(ping.gid, 3_000_000_000n);
    assert.equal(ping.mode & 0o7777n, 0o4755n, 'setuid kept after the chown');
    assert.equal(ping.mtimeNs, BigInt(T2100) * 1_000_000_000n);
    assert.equal((await lstat(path.join(target, 'bin'), { bigint: true })).mtimeNs, 0n, '1960: the epoch, as docker sets it');
    assert.equal((await lstat(path.join(target, 'bin/late'), { bigint: true })).mtimeNs, 0n, '2300: the epoch, as docker sets it');
    // node:fs takes a double: libuv ≤ 1.51 sets the header's time truncated to the microsecond,
    // 1.52 within ~120 ns of it (attributes.ts fsTime); never a microsecond off.
    const near = (actual: bigint, wanted: bigint): void =>
      assert.ok(actual - wanted < 1000n && wanted - actual < 1000n, `${actual} is not within 1 µs of ${wanted}`);
    near((await lstat(path.join(target, 'bin/frac'), { bigint: true })).mtimeNs, 1_700_000_000_123_456_000n);
    near((await lstat(path.join(target, 'bin/frac2'), { bigint: true })).mtimeNs, 1_796_163_372_484_339_000n);
    assert.equal((await lstat(path.join(target, 'bin/link'), { bigint: true })).mtimeNs, 0n);
    const pingXattrs = await xattrsOf(path.join(target, 'bin/ping'));
    assert.match(pingXattrs, new RegExp(`^security\\.capability=0x${CAPABILITY.toString('hex')}$`, 'm'), 'the capability survives the chown');
    assert.match(pingXattrs, /^user\.bytes=0x00ff$/m);
    assert.match(await xattrsOf(path.join(target, 'bin')), /^user\.dir=0x64$/m);
    assert.match((await exec('getcap', [path.join(target, 'bin/ping')])).stdout, /cap_net_raw[+=]ep/);
  });

  it('reports an attribute the filesystem refuses instead of dropping it silently', async () => {
    const target = path.join(work, 'refused');
    const bad: PackEntry[] = [{ header: { name: 'f', size: 0, xattrs: new Map([['bogus.namespace', Buffer.from('x')]]) } }];
    const chunks: Buffer[] = [];
    for await (const chunk of packTar(bad)) chunks.push(chunk);
    const result = await applyLayer(Readable.from([Buffer.concat(chunks)]), target);
    assert.equal(result.skipped.length, 1);
    assert.equal(result.skipped[0]?.path, 'f');
    assert.match(result.skipped[0]?.reason ?? '', /^extended attribute bogus\.namespace not set: /);
  });

  it('exports the same attributes to a tar', async () => {
    const chunks: Buffer[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _encoding, callback) {
        chunks.push(chunk);
        callback();
      },
    });
    const bytes = await layerTar();
    await exportToTar([async () => Readable.from([bytes])], sink);
    const byName = new Map((await entriesOf(Buffer.concat(chunks))).map((e) => [e.header.name, e.header]));
    const ping = byName.get('bin/ping');
    assert.equal(ping?.uid, 4_000_000);
    assert.equal(ping?.gid, 3_000_000_000);
    assert.deepEqual(ping?.mtime, { seconds: T2100, nanoseconds: 0 });
    assert.deepEqual(ping?.xattrs.get('security.capability'), CAPABILITY);
    assert.deepEqual(ping?.xattrs.get('user.bytes'), Buffer.from([0, 0xff]));
    assert.deepEqual(byName.get('bin/')?.mtime, { seconds: 0, nanoseconds: 0 }, 'docker export gives the epoch for 1960');
    assert.deepEqual(byName.get('bin/late')?.mtime, { seconds: 0, nanoseconds: 0 });
    assert.deepEqual(byName.get('bin/')?.xattrs.get('user.dir'), Buffer.from('d'));
    assert.deepEqual(byName.get('bin/frac')?.mtime, { seconds: 1_700_000_000, nanoseconds: 123_456_789 });
  });
});
