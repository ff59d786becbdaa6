// A real root filesystem for the rootfs tests: Debian bookworm minbase from debootstrap
// (~40 MB from Debian's archive), made once per machine and kept in a cache directory
// (STOWAGE_ROOTFS_CACHE, default <tmpdir>/stowage-rootfs-bookworm), then tarred with GNU tar
// the way a base image is made (`docker import`). On top of what debootstrap leaves, the host
// side adds what a RUN step cannot (minbase has neither setfattr nor setcap) and docker keeps:
//  - etc/debian_version gets a user.* xattr with a binary value (NUL and 0xff bytes);
//  - usr/local/bin/base-ping, a copy of true, gets the file capability cap_net_raw+ep;
//  - the device nodes of dev/ are removed, as in Debian's official images (an empty /dev):
//    `stowage image unpack` does not create devices.

import { cp, mkdir, readdir, rename, rm, lstat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exists } from './files.js';
import { runOk } from './process.js';

export const DEBIAN_MIRROR = process.env.STOWAGE_DEBIAN_MIRROR ?? 'http://deb.debian.org/debian';
/** The value of etc/debian_version's user.stowage.note xattr. */
export const BASE_NOTE = Buffer.from([0x73, 0x00, 0xff, 0x0a, 0x74]);

export interface DebianBase {
  /** The base layer as GNU tar wrote it (pax, xattrs, numeric owners). */
  tar: string;
  /** The rootfs directory it was made from. */
  rootfs: string;
}

let pending: Promise<DebianBase> | undefined;

/** The cached base (made on first use; concurrent callers of one process share the work). */
export function debianBase(): Promise<DebianBase> {
  pending ??= make();
  return pending;
}

async function make(): Promise<DebianBase> {
  const cache = process.env.STOWAGE_ROOTFS_CACHE ?? join(tmpdir(), 'stowage-rootfs-bookworm');
  const rootfs = join(cache, 'rootfs');
  const tar = join(cache, 'base.tar');
  if (await exists(tar)) return { tar, rootfs };
  await mkdir(cache, { recursive: true });
  await rm(rootfs, { recursive: true, force: true });
  const building = join(cache, `rootfs.tmp-${process.pid}`);
  await rm(building, { recursive: true, force: true });
  await runOk('debootstrap', ['--variant=minbase', 'bookworm', building, DEBIAN_MIRROR], { timeoutMs: 30 * 60_000 });
  await rename(building, rootfs);

  await runOk('setfattr', ['-n', 'user.stowage.note', '-v', `0s${BASE_NOTE.toString('base64')}`, join(rootfs, 'etc/debian_version')]);
  await cp(join(rootfs, 'usr/bin/true'), join(rootfs, 'usr/local/bin/base-ping'));
  await runOk('setcap', ['cap_net_raw+ep', join(rootfs, 'usr/local/bin/base-ping')]);
  for (const name of await readdir(join(rootfs, 'dev'))) {
    const st = await lstat(join(rootfs, 'dev', name));
    if (st.isCharacterDevice() || st.isBlockDevice() || st.isFIFO()) await rm(join(rootfs, 'dev', name));
  }
  // No atime/ctime records: a base layer carries mtimes (with nanoseconds where GNU tar has them).
  const temp = `${tar}.tmp-${process.pid}`;
  await runOk(
    'tar',
    ['--format=posix', '--pax-option=delete=atime,delete=ctime', '--xattrs', '--xattrs-include=*', '--numeric-owner', '-C', rootfs, '-cf', temp, '.'],
    {
      timeoutMs: 10 * 60_000,
    },
  );
  await rename(temp, tar);
  return { tar, rootfs };
}

/** A component name of `length` characters, for long paths. */
export function longName(char: string, length: number): string {
  return char.repeat(length);
}

export const LONG_DIR = `opt/${longName('d', 120)}/${longName('e', 120)}/${longName('f', 60)}`;
export const LONG_TARGET = `/${longName('t', 150)}/${longName('u', 150)}`;

/**
 * A Dockerfile of several layers over `base`, each RUN step leaving one thing docker export must
 * show as it is: a whiteout, a removed directory, an opaque directory, hard links (within a
 * layer and to a lower layer's file), set-id files, a file capability (setcap copied in from the
 * host with its library, then removed), owners beyond 7 octal digits, mtimes of 1960 and 2100,
 * a 100 MB file, a path longer than 255 bytes and a symlink with a 301-byte target.
 */
export async function writeBuildContext(dir: string, base: string): Promise<void> {
  await mkdir(join(dir, 'setcap'), { recursive: true });
  await cp('/usr/sbin/setcap', join(dir, 'setcap', 'setcap'));
  await cp(await libcapPath(), join(dir, 'setcap', 'libcap.so.2'));
  const dockerfile = [
    `FROM ${base}`,
    'RUN rm /etc/issue.net && rm -rf /srv',
    'RUN rm -rf /etc/apt/apt.conf.d && mkdir /etc/apt/apt.conf.d && echo \'APT::Stowage "1";\' > /etc/apt/apt.conf.d/99stowage',
    'RUN mkdir -p /opt/links && echo linked > /opt/links/a && ln /opt/links/a /opt/links/b && ln /opt/links/a /opt/links/c && ln /usr/bin/true /opt/links/true-hard',
    'RUN cp /usr/bin/true /usr/local/bin/suid && chmod 4755 /usr/local/bin/suid && cp /usr/bin/true /usr/local/bin/sgid && chmod 2711 /usr/local/bin/sgid',
    'COPY setcap/ /tmp/setcap/',
    'RUN cp /usr/bin/true /usr/local/bin/ping-cap && LD_LIBRARY_PATH=/tmp/setcap /tmp/setcap/setcap cap_net_raw,cap_net_admin+ep /usr/local/bin/ping-cap && rm -rf /tmp/setcap',
    'RUN touch /opt/owned && chown 4000000:3000000000 /opt/owned && mkdir /opt/owned-dir && chown 2097152:2097152 /opt/owned-dir',
    "RUN touch -d '1960-01-01 00:00:00' /opt/old && touch -d '2100-01-01 00:00:00' /opt/future && mkdir /opt/old-dir && touch -d '1969-12-31 23:59:59' /opt/old-dir",
    'RUN head -c 104857600 /dev/urandom > /opt/big',
    `RUN mkdir -p /${LONG_DIR} && echo deep > /${LONG_DIR}/file && ln -s ${LONG_TARGET} /opt/longlink`,
    '',
  ].join('\n');
  await writeFile(join(dir, 'Dockerfile'), dockerfile);
}

async function libcapPath(): Promise<string> {
  const { stdout } = await runOk('ldd', ['/usr/sbin/setcap']);
  const match = /libcap\.so\.2 => (\S+)/.exec(stdout);
  if (match?.[1] === undefined) throw new Error(`setcap's libcap not found in:\n${stdout}`);
  return match[1];
}
