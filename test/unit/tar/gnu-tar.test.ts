// GNU tar reads what src/tar writes: `tar -tvf` lists every entry with its owner, time and link,
// and `tar --xattrs -xpf` (as root) puts down the same owners, modes, times, names, links and
// extended attributes — file capabilities included. getfattr (package attr) reads them back.

import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { lstat, mkdir, mkdtemp, readdir, readFile, readlink, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { decodeBytes, type PackEntry } from '../../../src/tar/index.js';
import { tarOf } from './tar-helpers.js';

const exec = promisify(execFile);
const CAPABILITY = Buffer.from('0100000200200000000000000000000000000000', 'hex'); // cap_net_raw+ep
const T1960 = Date.UTC(1960, 0, 1) / 1000;
const T2100 = Date.UTC(2100, 0, 1) / 1000;
const LONG = `${'d'.repeat(200)}/${'e'.repeat(100)}/file`;
const TARGET = `../${'t'.repeat(250)}`;
const RAW_NAME = Buffer.from([0x6c, 0x61, 0x74, 0x69, 0x6e, 0xe9]); // "latin" + é in Latin-1: not UTF-8

const ENTRIES: PackEntry[] = [
  { header: { name: 'old/', type: 'directory', mode: 0o750, mtime: { seconds: T1960, nanoseconds: 0 } } },
  {
    header: {
      name: 'old/ping',
      mode: 0o4755,
      size: 4,
      uid: 4_000_000,
      gid: 3_000_000_000,
      mtime: { seconds: T2100, nanoseconds: 0 },
      xattrs: new Map([
        ['security.capability', CAPABILITY],
        ['user.binary', Buffer.from([0, 0xff, 0x0a, 0x00])],
      ]),
    },
    data: Buffer.from('ping'),
  },
  { header: { name: 'old/hard', type: 'link', linkname: 'old/ping' } },
  { header: { name: 'fraction', size: 1, mtime: { seconds: 1, nanoseconds: 500_000_000 } }, data: Buffer.from('f') },
  { header: { name: LONG, size: 5, mtime: { seconds: 1_700_000_000, nanoseconds: 0 } }, data: Buffer.from('long\n') },
  { header: { name: 'sym', type: 'symlink', linkname: TARGET, mtime: { seconds: 1_600_000_000, nanoseconds: 0 } } },
  { header: { name: decodeBytes(RAW_NAME), size: 0 } },
];

describe('GNU tar reads src/tar archives', () => {
  let work: string;
  let archive: string;
  before(async () => {
    work = await mkdtemp(path.join(tmpdir(), 'stowage-gnutar-'));
    archive = path.join(work, 'a.tar');
    await writeFile(archive, await tarOf(ENTRIES));
  });
  after(() => rm(work, { recursive: true, force: true }));

  it('lists every entry: owners, times, links (tar -tvf)', async () => {
    const { stdout } = await exec('tar', ['--numeric-owner', '--full-time', '--quoting-style=escape', '-tvf', archive], { env: { ...process.env, TZ: 'UTC' } });
    const lines = stdout
      .trim()
      .split('\n')
      .map((line) => line.replace(/ +/g, ' '));
    assert.equal(lines.length, ENTRIES.length, stdout);
    assert.equal(lines[0], 'drwxr-x--- 0/0 0 1960-01-01 00:00:00 old/');
    assert.equal(lines[1], '-rwsr-xr-x 4000000/3000000000 4 2100-01-01 00:00:00 old/ping');
    assert.match(lines[2] ?? '', /^h.* old\/hard link to old\/ping$/);
    assert.match(lines[3] ?? '', / 1970-01-01 00:00:01\.5 fraction$/);
    assert.ok(lines[4]?.endsWith(` 2023-11-14 22:13:20 ${LONG}`), lines[4]);
    assert.ok(lines[5]?.endsWith(` sym -> ${TARGET}`), lines[5]);
    assert.ok(lines[6]?.endsWith(' latin\\351'), lines[6]);
  });

  it('extracts the same tree, xattrs and capabilities included (tar --xattrs -xpf, as root)', async () => {
    const out = path.join(work, 'out');
    await mkdir(out);
    await exec('tar', ['--xattrs', '--xattrs-include=*', '--numeric-owner', '-xpf', archive, '-C', out]);
    const ping = await lstat(path.join(out, 'old/ping'), { bigint: true });
    assert.equal(ping.uid, 4_000_000n);
    assert.equal(ping.gid, 3_000_000_000n);
    assert.equal(ping.mode & 0o7777n, 0o4755n);
    assert.equal(ping.mtimeNs, BigInt(T2100) * 1_000_000_000n);
    assert.equal(ping.nlink, 2n);
    assert.equal((await lstat(path.join(out, 'old/hard'))).ino, Number(ping.ino));
    assert.equal((await lstat(path.join(out, 'old'), { bigint: true })).mtimeNs, BigInt(T1960) * 1_000_000_000n);
    assert.equal((await lstat(path.join(out, 'fraction'), { bigint: true })).mtimeNs, 1_500_000_000n);
    assert.equal(await readFile(path.join(out, LONG), 'utf8'), 'long\n');
    assert.equal(await readlink(path.join(out, 'sym')), TARGET);
    const names = (await readdir(out, { encoding: 'buffer' })).map((n) => n.toString('hex'));
    assert.ok(names.includes(RAW_NAME.toString('hex')), names.join(' '));

    const { stdout } = await exec('getfattr', ['--absolute-names', '-d', '-m', '-', '-e', 'hex', path.join(out, 'old/ping')]);
    assert.match(stdout, new RegExp(`^security\\.capability=0x${CAPABILITY.toString('hex')}$`, 'm'));
    assert.match(stdout, /^user\.binary=0x00ff0a00$/m);
  });
});
