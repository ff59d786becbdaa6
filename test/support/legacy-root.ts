// A Docker root as docker 1.9 left it (the pre-1.10 graph), written from the formats: no
// engine that writes them runs here (docker 1.9 needs a kernel with aufs and is long
// unsupported). The layouts follow docker 1.9's graph/graph.go, graph/tags.go,
// daemon/graphdriver/aufs and vfs, and the tar-split files are encoded from the real tars
// exactly as vbatts/tar-split's asm.NewInputTarStream + storage.NewJSONPacker do.

import { createHash } from 'node:crypto';
import { mkdir, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import tar from 'tar-stream';

export interface LegacyMember {
  name: string;
  type?: 'file' | 'directory' | 'symlink';
  data?: string;
  linkname?: string;
}

export interface LegacyImageSpec {
  key: string;
  parent?: string;
  members: LegacyMember[];
  cmd: string[];
}

export interface LegacyFixture {
  root: string;
  /** Image key (base, mid, top, lonely) -> its legacy ID. */
  ids: Record<string, string>;
  /** Legacy ID -> the layer tar the tar-split was made from. */
  tars: Map<string, Buffer>;
  containerId: string;
  /** The parent `lonely` names, which graph/ does not hold. */
  missingParent: string;
}

export const idFor = (label: string): string => createHash('sha256').update(`legacy fixture ${label}`).digest('hex');

/**
 * Three images in a chain (base: files, a symlink, a long file; mid: a new file and a
 * whiteout; top: an empty layer, as every CMD/ENV instruction made one), tagged ubuntu:14.04,
 * ubuntu:latest and localhost:5000/team/app:1.0 (plus a pull by digest); with `faults`, an
 * image whose parent is missing. One container on top, one named volume.
 */
export const LEGACY_IMAGES: LegacyImageSpec[] = [
  {
    key: 'base',
    cmd: ['/bin/sh', '-c', '#(nop) ADD file:0a1b2c in /'],
    members: [
      { name: 'bin/', type: 'directory' },
      { name: 'bin/sh', data: '#!/bin/true\n' },
      { name: 'bin/link', type: 'symlink', linkname: 'sh' },
      { name: 'etc/', type: 'directory' },
      { name: 'etc/hosts', data: '127.0.0.1 localhost\n' },
      { name: 'etc/motd', data: 'Welcome to the legacy graph.\n'.repeat(40) },
    ],
  },
  {
    key: 'mid',
    parent: 'base',
    cmd: ['/bin/sh', '-c', 'echo app > /etc/app.conf && rm /etc/motd'],
    members: [
      { name: 'etc/', type: 'directory' },
      { name: 'etc/.wh.motd', data: '' },
      { name: 'etc/app.conf', data: 'app <&> 1\n' },
    ],
  },
  { key: 'top', parent: 'mid', cmd: ['/bin/sh', '-c', '#(nop) CMD ["/bin/sh"]'], members: [] },
];

const LONELY: LegacyImageSpec = { key: 'lonely', parent: 'missing', cmd: ['/bin/sh', '-c', 'touch /x'], members: [{ name: 'x', data: 'x\n' }] };

export async function writeLegacyRoot(root: string, options: { driver?: 'aufs' | 'vfs'; faults?: boolean } = {}): Promise<LegacyFixture> {
  const driver = options.driver ?? 'aufs';
  const specs = options.faults ? [...LEGACY_IMAGES, LONELY] : LEGACY_IMAGES;
  const ids: Record<string, string> = Object.fromEntries(specs.map((s) => [s.key, idFor(s.key)]));
  ids.missing = idFor('missing');
  const tars = new Map<string, Buffer>();
  for (const spec of specs) {
    const id = ids[spec.key] as string;
    const parent = spec.parent !== undefined ? ids[spec.parent] : undefined;
    const layerTar = await packTar(spec.members);
    tars.set(id, layerTar);
    const dir = path.join(root, 'graph', id);
    await mkdir(dir, { recursive: true });
    await writeFile(path.join(dir, 'json'), imageJson(id, parent, spec));
    await writeFile(path.join(dir, 'layersize'), String(contentBytes(spec.members)));
    await writeFile(path.join(dir, 'tar-data.json.gz'), tarSplitOf(layerTar));
    const ancestors = ancestorsOf(spec, specs).map((key) => ids[key] as string);
    if (driver === 'aufs') {
      await writeAufsLayer(root, id, spec.members, ancestors);
    } else {
      await writeMembers(path.join(root, 'vfs', 'dir', id), mergedMembers(spec, specs));
    }
  }
  await writeFile(
    path.join(root, `repositories-${driver}`),
    JSON.stringify({
      Repositories: {
        ubuntu: { '14.04': ids.top, latest: ids.top },
        'localhost:5000/team/app': { '1.0': ids.mid, [`sha256:${'d'.repeat(64)}`]: ids.mid },
      },
    }),
  );
  const containerId = idFor('container');
  await writeContainer(root, driver, containerId, ids.top as string, [ids.top, ids.mid, ids.base] as string[]);
  await mkdir(path.join(root, 'volumes', 'data', '_data'), { recursive: true });
  return { root, ids, tars, containerId, missingParent: ids.missing };
}

/** The v1 image JSON as docker 1.9 encoded it (json.NewEncoder: Go field order, a final newline). */
function imageJson(id: string, parent: string | undefined, spec: LegacyImageSpec): string {
  const json = {
    id,
    ...(parent !== undefined ? { parent } : {}),
    created: '2015-11-03T20:11:27.370000000Z',
    container: idFor(`build ${spec.key}`),
    container_config: { Hostname: 'e2c4b5b7a1c3', Env: null, Cmd: spec.cmd, Image: parent ?? '', Labels: {} },
    docker_version: '1.9.1',
    author: 'Fixture <fixture@example.com>',
    config: { Hostname: '', Env: ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'], Cmd: ['/bin/sh'], Labels: null },
    architecture: 'amd64',
    os: 'linux',
    Size: contentBytes(spec.members),
  };
  return `${JSON.stringify(json)}\n`;
}

function contentBytes(members: LegacyMember[]): number {
  return members.reduce((sum, m) => sum + Buffer.byteLength(m.data ?? ''), 0);
}

function ancestorsOf(spec: LegacyImageSpec, specs: LegacyImageSpec[]): string[] {
  const out: string[] = [];
  let parent = spec.parent;
  while (parent !== undefined) {
    out.push(parent);
    parent = specs.find((s) => s.key === parent)?.parent;
  }
  return out;
}

/** aufs/diff/<id> (with aufs's own .wh..wh.* entries, which no tar holds), aufs/layers/<id>, aufs/mnt/<id>. */
async function writeAufsLayer(root: string, id: string, members: LegacyMember[], ancestors: string[]): Promise<void> {
  const diff = path.join(root, 'aufs', 'diff', id);
  await writeMembers(diff, members);
  await writeFile(path.join(diff, '.wh..wh.aufs'), '');
  await mkdir(path.join(diff, '.wh..wh.orph'), { recursive: true });
  await mkdir(path.join(diff, '.wh..wh.plnk'), { recursive: true });
  await mkdir(path.join(root, 'aufs', 'layers'), { recursive: true });
  await writeFile(path.join(root, 'aufs', 'layers', id), ancestors.map((a) => `${a}\n`).join(''));
  await mkdir(path.join(root, 'aufs', 'mnt', id), { recursive: true });
}

/** What vfs/dir/<id> holds: the parent's copy with this layer applied (whiteouts delete). */
function mergedMembers(spec: LegacyImageSpec, specs: LegacyImageSpec[]): LegacyMember[] {
  const chain = [spec.key, ...ancestorsOf(spec, specs)].reverse().map((key) => specs.find((s) => s.key === key));
  const merged = new Map<string, LegacyMember>();
  for (const layer of chain) {
    for (const member of layer?.members ?? []) {
      const base = path.posix.basename(member.name);
      if (base.startsWith('.wh.')) merged.delete(path.posix.join(path.posix.dirname(member.name), base.slice(4)));
      else merged.set(member.name, member);
    }
  }
  return [...merged.values()];
}

async function writeMembers(dir: string, members: LegacyMember[]): Promise<void> {
  await mkdir(dir, { recursive: true });
  for (const member of members) {
    const target = path.join(dir, member.name);
    if (member.type === 'directory') {
      await mkdir(target, { recursive: true });
    } else if (member.type === 'symlink') {
      await mkdir(path.dirname(target), { recursive: true });
      await symlink(member.linkname as string, target);
    } else {
      await mkdir(path.dirname(target), { recursive: true });
      await writeFile(target, member.data ?? '');
    }
  }
}

async function writeContainer(root: string, driver: string, id: string, image: string, chain: string[]): Promise<void> {
  const dir = path.join(root, 'containers', id);
  await mkdir(dir, { recursive: true });
  await writeFile(
    path.join(dir, 'config.json'),
    JSON.stringify({
      State: { Running: false, ExitCode: 0, StartedAt: '2015-11-04T10:00:00.000000000Z', FinishedAt: '2015-11-04T10:00:01.000000000Z' },
      ID: id,
      Created: '2015-11-04T09:59:59.000000000Z',
      Path: '/bin/sh',
      Args: ['-c', 'sleep 1'],
      Config: { Image: 'ubuntu:14.04' },
      Image: image,
      Name: '/web',
      Driver: driver,
    }),
  );
  if (driver === 'aufs') {
    await writeMembers(path.join(root, 'aufs', 'diff', id), [
      { name: 'tmp/', type: 'directory' },
      { name: 'tmp/out', data: 'written by the container\n' },
    ]);
    await writeMembers(path.join(root, 'aufs', 'diff', `${id}-init`), [
      { name: 'etc/', type: 'directory' },
      { name: 'etc/hosts', data: '' },
    ]);
    await writeFile(path.join(root, 'aufs', 'layers', id), [`${id}-init`, ...chain].map((l) => `${l}\n`).join(''));
    await writeFile(path.join(root, 'aufs', 'layers', `${id}-init`), chain.map((l) => `${l}\n`).join(''));
    await mkdir(path.join(root, 'aufs', 'mnt', id), { recursive: true });
    await mkdir(path.join(root, 'aufs', 'mnt', `${id}-init`), { recursive: true });
  } else {
    await writeMembers(path.join(root, 'vfs', 'dir', id), [{ name: 'tmp/out', data: 'written by the container\n' }]);
  }
}

/** An uncompressed tar of the members (ustar headers; tar-stream ends it with two zero blocks). */
export async function packTar(members: LegacyMember[]): Promise<Buffer> {
  const pack = tar.pack();
  const chunks: Buffer[] = [];
  const collected = (async () => {
    for await (const chunk of pack) chunks.push(Buffer.from(chunk as Uint8Array));
  })();
  for (const m of members) {
    const type = m.type ?? 'file';
    const header = {
      name: m.name,
      type,
      mode: type === 'directory' ? 0o755 : 0o644,
      mtime: new Date('2015-11-03T20:11:27Z'),
      ...(m.linkname !== undefined ? { linkname: m.linkname } : {}),
    };
    await new Promise<void>((resolve, reject) => {
      const done = (err?: Error | null): void => (err ? reject(err) : resolve());
      if (type === 'file') pack.entry({ ...header, size: Buffer.byteLength(m.data ?? '') }, m.data ?? '', done);
      else pack.entry(header, done);
    });
  }
  pack.finalize();
  await collected;
  return Buffer.concat(chunks);
}

/**
 * The gzipped tar-split of a tar, entry for entry what asm.NewInputTarStream packs: per member
 * a segment with its header block(s) (pax/GNU long-name headers ride along with the header they
 * precede), a file entry (name, size, CRC-64/ISO of the content, null when empty) and a segment
 * with the padding; then the end-of-archive blocks and whatever follows them.
 */
export function tarSplitOf(tarBytes: Buffer): Buffer {
  const lines: string[] = [];
  const add = (entry: Record<string, unknown>): void => void lines.push(JSON.stringify({ ...entry, position: lines.length }));
  const segment = (bytes: Buffer): void => add({ type: 2, payload: bytes.toString('base64') });
  let pos = 0;
  let segmentStart = 0;
  let longName: string | undefined;
  while (pos + 512 <= tarBytes.length) {
    const header = tarBytes.subarray(pos, pos + 512);
    if (header.every((b) => b === 0)) break;
    const size = parseInt(header.subarray(124, 136).toString('latin1').replace(/\0.*$/, '').trim() || '0', 8);
    const type = String.fromCharCode(header[156] as number);
    const padded = Math.ceil(size / 512) * 512;
    const content = tarBytes.subarray(pos + 512, pos + 512 + size);
    if (type === 'x' || type === 'L') {
      if (type === 'L') longName = content.toString('utf8').replace(/\0+$/, '');
      else longName = /(?:^|\n)\d+ path=([^\n]*)\n/.exec(content.toString('utf8'))?.[1] ?? longName;
      pos += 512 + padded;
      continue;
    }
    segment(tarBytes.subarray(segmentStart, pos + 512));
    const name = longName ?? headerName(header);
    longName = undefined;
    add({ type: 1, name, ...(size > 0 ? { size } : {}), payload: size > 0 ? crc64Iso(content).toString('base64') : null });
    if (padded > size) segment(tarBytes.subarray(pos + 512 + size, pos + 512 + padded));
    pos += 512 + padded;
    segmentStart = pos;
  }
  segment(tarBytes.subarray(segmentStart, Math.min(tarBytes.length, segmentStart + 1024)));
  segment(tarBytes.subarray(Math.min(tarBytes.length, segmentStart + 1024)));
  return gzipSync(Buffer.from(lines.map((l) => `${l}\n`).join('')));
}

function headerName(header: Buffer): string {
  const field = (start: number, length: number): string =>
    header
      .subarray(start, start + length)
      .toString('utf8')
      .replace(/\0.*$/s, '');
  const name = field(0, 100);
  const prefix = header.subarray(257, 263).toString('latin1').startsWith('ustar') ? field(345, 155) : '';
  return prefix !== '' ? `${prefix}/${name}` : name;
}

const CRC64_ISO_POLY = 0xd800000000000000n;
const CRC_TABLE: bigint[] = Array.from({ length: 256 }, (_, i) => {
  let crc = BigInt(i);
  for (let j = 0; j < 8; j++) crc = crc & 1n ? (crc >> 1n) ^ CRC64_ISO_POLY : crc >> 1n;
  return crc;
});

/** Go's hash/crc64 with the ISO table, as tar-split checksums contents: 8 bytes, big-endian. */
export function crc64Iso(data: Uint8Array): Buffer {
  const mask = 0xffffffffffffffffn;
  let crc = mask;
  for (const byte of data) crc = (CRC_TABLE[Number((crc ^ BigInt(byte)) & 0xffn)] as bigint) ^ (crc >> 8n);
  const out = Buffer.alloc(8);
  out.writeBigUInt64BE(crc ^ mask);
  return out;
}
