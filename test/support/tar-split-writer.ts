// What a Docker graph driver keeps of a layer tar, made from a tar in memory for the tests:
// the tar-split.json.gz (as github.com/vbatts/tar-split tar/asm/disassemble.go writes it:
// raw header and padding bytes as segments, one file entry per member with its content's
// CRC-64) and the unpacked directory. Test-only: a small raw tar walker, no validation
// beyond what the fixtures need.

import { link, mkdir, symlink, writeFile } from 'node:fs/promises';
import { gzipSync } from 'node:zlib';
import { crc64Iso } from '../../src/dockerroot/tarsplit/crc64.js';

const BLOCK = 512;

export interface RawMember {
  /** The effective name as bytes (PAX path, GNU long name, or ustar prefix/name). */
  name: Buffer;
  /** Typeflag character: '0' file, '5' directory, '2' symlink, '1' hard link, ... */
  type: string;
  linkname: Buffer;
  /** Content as in the tar (empty for header-only types). */
  content: Buffer;
  /** Raw bytes before the content: extension headers and their data, then the header. */
  headerBytes: Buffer;
}

/** Every member of an uncompressed tar, plus the bytes after the last one (end blocks). */
export function walkTar(tar: Buffer): { members: RawMember[]; trailer: Buffer } {
  const members: RawMember[] = [];
  let position = 0;
  let pendingStart = 0;
  let longName: Buffer | undefined;
  let longLink: Buffer | undefined;
  while (position + BLOCK <= tar.length) {
    const header = tar.subarray(position, position + BLOCK);
    if (header.every((b) => b === 0)) break;
    const type = String.fromCharCode(header[156] ?? 0x30) || '0';
    const size = parseOctal(header.subarray(124, 136));
    const dataStart = position + BLOCK;
    const data = tar.subarray(dataStart, dataStart + size);
    const next = dataStart + Math.ceil(size / BLOCK) * BLOCK;
    if (type === 'L' || type === 'K' || type === 'x' || type === 'g') {
      if (type === 'L') longName = cString(data);
      if (type === 'K') longLink = cString(data);
      if (type === 'x') {
        const records = paxRecords(data);
        longName = records.get('path') ?? longName;
        longLink = records.get('linkpath') ?? longLink;
      }
      position = next;
      continue;
    }
    const magic = header.subarray(257, 263).toString('latin1');
    const prefix = magic === 'ustar\0' ? cString(header.subarray(345, 500)) : Buffer.alloc(0);
    const short = cString(header.subarray(0, 100));
    const name = longName ?? (prefix.length > 0 ? Buffer.concat([prefix, Buffer.from('/'), short]) : short);
    const headerOnly = type === '1' || type === '2' || type === '3' || type === '4' || type === '5' || type === '6';
    members.push({
      name,
      type,
      linkname: longLink ?? cString(header.subarray(157, 257)),
      content: headerOnly ? Buffer.alloc(0) : data,
      headerBytes: tar.subarray(pendingStart, dataStart),
    });
    longName = undefined;
    longLink = undefined;
    position = headerOnly ? dataStart : next;
    pendingStart = headerOnly ? dataStart : dataStart + size;
  }
  return { members, trailer: tar.subarray(pendingStart) };
}

/**
 * tar-split.json.gz for the tar: for each member a segment (the padding left from the member
 * before, its extension headers, its header) then a file entry; the end blocks as a last
 * segment. `name_raw` replaces `name` for names that are not UTF-8, as tar-split does.
 */
export function encodeTarSplit(tar: Buffer): Buffer {
  const lines: string[] = [];
  const add = (entry: Record<string, unknown>): void => {
    lines.push(JSON.stringify({ ...entry, position: lines.length }));
  };
  const { members, trailer } = walkTar(tar);
  for (const member of members) {
    add({ type: 2, payload: member.headerBytes.toString('base64') });
    const file: Record<string, unknown> = { type: 1 };
    if (isUtf8(member.name)) file.name = member.name.toString('utf8');
    else file.name_raw = member.name.toString('base64');
    if (member.content.length > 0) file.size = member.content.length;
    file.payload = member.content.length > 0 ? crc64Iso(member.content).toString('base64') : null;
    add(file);
  }
  if (trailer.length > 0) add({ type: 2, payload: trailer.toString('base64') });
  return gzipSync(Buffer.from(lines.map((l) => `${l}\n`).join('')));
}

/**
 * The tar unpacked into `dir` as a graph driver's layer directory holds it: directories,
 * regular files, symlinks and hard links (paths as bytes, so non-UTF-8 names survive).
 */
export async function unpackTar(tar: Buffer, dir: string): Promise<void> {
  const root = Buffer.from(dir);
  const at = (name: Buffer): Buffer => Buffer.concat([root, Buffer.from('/'), stripSlashes(name)]);
  for (const member of walkTar(tar).members) {
    const target = at(member.name);
    const slash = target.lastIndexOf(0x2f);
    if (slash > root.length) await mkdir(target.subarray(0, slash), { recursive: true });
    if (member.type === '5') await mkdir(target, { recursive: true });
    else if (member.type === '2') await symlink(member.linkname, target);
    else if (member.type === '1') await link(at(member.linkname), target);
    else if (member.type === '0' || member.type === '\0' || member.type === '7') await writeFile(target, member.content);
  }
}

function stripSlashes(name: Buffer): Buffer {
  let end = name.length;
  while (end > 0 && name[end - 1] === 0x2f) end--;
  return name.subarray(0, end);
}

function parseOctal(field: Buffer): number {
  const text = cString(field).toString('latin1').trim();
  return text === '' ? 0 : parseInt(text, 8);
}

function cString(field: Buffer): Buffer {
  const nul = field.indexOf(0);
  return nul === -1 ? field : field.subarray(0, nul);
}

/** PAX records: "<len> <key>=<value>\n", values as bytes. */
function paxRecords(data: Buffer): Map<string, Buffer> {
  const records = new Map<string, Buffer>();
  let position = 0;
  while (position < data.length) {
    const space = data.indexOf(0x20, position);
    if (space === -1) break;
    const length = parseInt(data.subarray(position, space).toString('latin1'), 10);
    if (!(length > 0)) break;
    const record = data.subarray(space + 1, position + length - 1);
    const equals = record.indexOf(0x3d);
    if (equals !== -1) records.set(record.subarray(0, equals).toString('utf8'), record.subarray(equals + 1));
    position += length;
  }
  return records;
}

function isUtf8(bytes: Buffer): boolean {
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    return true;
  } catch {
    return false;
  }
}

/** A layer as a graph driver keeps it, under `dir`: `diff/` unpacked and `tar-split.json.gz`. */
export async function writeGraphLayer(tar: Buffer, dir: string): Promise<{ directory: string; tarSplit: string }> {
  const directory = `${dir}/diff`;
  const tarSplit = `${dir}/tar-split.json.gz`;
  await mkdir(directory, { recursive: true });
  await unpackTar(tar, directory);
  await writeFile(tarSplit, encodeTarSplit(tar));
  return { directory, tarSplit };
}
