import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, rm, symlink, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { ConfinedFs } from '../../../src/dockerroot/confined-fs.js';
import { assembleLayer, layerTarSize } from '../../../src/dockerroot/tarsplit/assemble.js';
import { isStowageError } from '../../../src/errors/error.js';
import { writeGraphLayer } from '../../support/tar-split-writer.js';
import { packTar as packMembers, type TarMember } from '../transport/tar-fixtures.js';

/** A tar as a layer tar looks: tar-stream writes PAX headers for long names and link targets. */
const packTar = (members: TarMember[]): Promise<Buffer> => packMembers(members, { mtime: new Date(1700000000000) });

async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

function sha256(data: Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

async function rejectsLayerInvalid(promise: Promise<unknown>, message: RegExp): Promise<void> {
  await assert.rejects(promise, (err: unknown) => {
    assert.ok(isStowageError(err, 'LAYER_INVALID'), String(err));
    assert.match(err.message, message);
    return true;
  });
}

const LABEL = 'layer sha256:0123';

describe('assembleLayer: rebuilding a layer tar from tar-split and its directory', () => {
  let base: string;
  let fs: ConfinedFs;
  let count = 0;

  before(async () => {
    base = await mkdtemp(join(tmpdir(), 'stowage-tarsplit-'));
    fs = await ConfinedFs.open(base);
  });
  after(async () => {
    await rm(base, { recursive: true, force: true });
  });

  /** A fresh layer (directory + tar-split) for the tar, under the confined root. */
  async function layer(tarBytes: Buffer): Promise<{ directory: string; tarSplit: string }> {
    return writeGraphLayer(tarBytes, join(base, `layer-${++count}`));
  }

  async function rebuild(where: { directory: string; tarSplit: string }): Promise<Buffer> {
    return readAll(assembleLayer({ fs, ...where, label: LABEL }));
  }

  async function checkRoundTrip(tarBytes: Buffer): Promise<void> {
    const where = await layer(tarBytes);
    const rebuilt = await rebuild(where);
    assert.equal(rebuilt.length, tarBytes.length);
    assert.equal(sha256(rebuilt), sha256(tarBytes));
    assert.equal(await layerTarSize({ fs, tarSplit: where.tarSplit, label: LABEL }), tarBytes.length);
  }

  it('rebuilds files, directories, symlinks, hard links and empty files byte for byte', async () => {
    await checkRoundTrip(
      await packTar([
        { name: 'etc/', type: 'directory' },
        { name: 'etc/hostname', data: Buffer.from('box\n') },
        { name: 'etc/empty', data: Buffer.alloc(0) },
        { name: 'etc/block', data: Buffer.alloc(512, 1) },
        { name: 'etc/odd', data: Buffer.alloc(1000, 2) },
        { name: 'etc/localtime', type: 'symlink', linkname: '/usr/share/zoneinfo/UTC' },
        { name: 'etc/hostname.hard', type: 'link', linkname: 'etc/hostname' },
        { name: 'usr/', type: 'directory' },
        { name: 'usr/bin/', type: 'directory' },
        { name: 'usr/bin/tool', data: Buffer.from('#!/bin/sh\necho hi\n') },
        { name: 'usr/.wh.gone', data: Buffer.alloc(0) },
      ]),
    );
  });

  it('rebuilds long names, long link targets and PAX records', async () => {
    const deep = `${'d'.repeat(60)}/${'e'.repeat(60)}/${'f'.repeat(90)}`;
    await checkRoundTrip(
      await packTar([
        { name: `${'d'.repeat(60)}/`, type: 'directory' },
        { name: `${'d'.repeat(60)}/${'e'.repeat(60)}/`, type: 'directory' },
        { name: deep, data: Buffer.from('deep content') },
        { name: `${'g'.repeat(120)}.txt`, data: Buffer.from('a name only a PAX path record can hold') },
        { name: `${'d'.repeat(60)}/link`, type: 'symlink', linkname: `/${'t'.repeat(150)}` },
        { name: 'caf\u00e9/', type: 'directory' },
        { name: 'caf\u00e9/men\u00fc.txt', data: Buffer.from('unicode'), pax: { 'SCHILY.xattr.user.test': 'v' } },
      ]),
    );
  });

  it('rebuilds content larger than one read, across chunk boundaries', async () => {
    const big = createHash('sha512').update('seed').digest();
    const data = Buffer.alloc(3 * 1024 * 1024 + 123);
    for (let i = 0; i < data.length; i += big.length) big.copy(data, i);
    await checkRoundTrip(
      await packTar([
        { name: 'big.bin', data },
        { name: 'small', data: Buffer.from('x') },
      ]),
    );
  });

  it('rebuilds a name that is not UTF-8 (tar-split name_raw)', async () => {
    // tar-stream writes UTF-8 only: write a placeholder, then put raw bytes in the header.
    const tarBytes = await packTar([{ name: 'caf_.txt', data: Buffer.from('latin-1 name') }]);
    tarBytes[3] = 0xe9;
    rechecksum(tarBytes.subarray(0, 512));
    await checkRoundTrip(tarBytes);
  });

  it('rebuilds a tar written with ./ names (docker import of `tar -C dir .`)', async () => {
    const src = join(base, 'import-src');
    await mkdir(join(src, 'sub'), { recursive: true });
    await writeFile(join(src, 'sub', 'file'), 'content of file\n');
    await symlink('sub/file', join(src, 'link'));
    const tarBytes = execFileSync('tar', ['-C', src, '--numeric-owner', '-cf', '-', '.']);
    await checkRoundTrip(tarBytes);
  });

  it('names a file whose content changed on disk (same size: crc64 mismatch)', async () => {
    const where = await layer(
      await packTar([
        { name: 'usr/', type: 'directory' },
        { name: 'usr/bin/x', data: Buffer.from('original') },
      ]),
    );
    await writeFile(join(where.directory, 'usr/bin/x'), 'tampered');
    await rejectsLayerInvalid(rebuild(where), /^layer sha256:0123: file usr\/bin\/x changed on disk \(crc64 mismatch\)$/);
  });

  it('names a file whose size changed on disk', async () => {
    const where = await layer(await packTar([{ name: 'a.txt', data: Buffer.from('0123456789') }]));
    await truncate(join(where.directory, 'a.txt'), 4);
    await rejectsLayerInvalid(rebuild(where), /file a\.txt changed on disk \(4 bytes, 10 when the layer was stored\)/);
  });

  it('names a file missing from the directory', async () => {
    const where = await layer(
      await packTar([
        { name: 'a.txt', data: Buffer.from('x') },
        { name: 'b.txt', data: Buffer.from('y') },
      ]),
    );
    await rm(join(where.directory, 'b.txt'));
    await rejectsLayerInvalid(rebuild(where), /file b\.txt is missing from /);
  });

  it('refuses a regular file replaced by something else (a FIFO), without hanging', async () => {
    const where = await layer(await packTar([{ name: 'pipe', data: Buffer.from('data') }]));
    await rm(join(where.directory, 'pipe'));
    execFileSync('mkfifo', [join(where.directory, 'pipe')]);
    await rejectsLayerInvalid(rebuild(where), /file pipe is not a regular file on disk/);
  });

  it('does not follow a symlink out of the layer directory', async () => {
    const outside = join(base, 'outside');
    await mkdir(outside, { recursive: true });
    await writeFile(join(outside, 'secret'), 'secret!!');
    const where = await layer(
      await packTar([
        { name: 'etc/', type: 'directory' },
        { name: 'etc/secret', data: Buffer.from('innocent') },
      ]),
    );
    await rm(join(where.directory, 'etc'), { recursive: true });
    await symlink(outside, join(where.directory, 'etc'));
    await rejectsLayerInvalid(rebuild(where), /file etc\/secret leads outside the layer directory/);
  });

  it('refuses names with .. and NUL in a crafted tar-split; reads an absolute name inside the layer, as dockerd stored it', async () => {
    const crafted = async (name: Record<string, string>): Promise<{ directory: string; tarSplit: string }> => {
      const dir = join(base, `crafted-${++count}`);
      await mkdir(join(dir, 'diff'), { recursive: true });
      const crc = Buffer.alloc(8).toString('base64');
      const line = JSON.stringify({ type: 1, ...name, size: 4, payload: crc, position: 0 });
      await writeFile(join(dir, 'tar-split.json.gz'), gzipSync(`${line}\n`));
      return { directory: join(dir, 'diff'), tarSplit: join(dir, 'tar-split.json.gz') };
    };
    await rejectsLayerInvalid(rebuild(await crafted({ name: '../../etc/passwd' })), /file name \.\.\/\.\.\/etc\/passwd refused: it has a "\.\." component/);
    await rejectsLayerInvalid(rebuild(await crafted({ name: 'a/../../b' })), /refused: it has a "\.\." component/);
    // dockerd's untar put /etc/passwd at <layer>/etc/passwd: that file is read, never the host's.
    await rejectsLayerInvalid(rebuild(await crafted({ name: '/etc/passwd' })), /file \/etc\/passwd is missing from .*crafted-\d+\/diff/);
    await rejectsLayerInvalid(rebuild(await crafted({ name_raw: Buffer.from('a\0b').toString('base64') })), /refused: it contains a NUL byte/);
    await rejectsLayerInvalid(rebuild(await crafted({ name: './' })), /refused: it names the layer directory itself/);
  });

  it('refuses a tar-split or directory outside the Docker root', async () => {
    const where = await layer(await packTar([{ name: 'a', data: Buffer.from('x') }]));
    await rejectsLayerInvalid(rebuild({ ...where, directory: tmpdir() }), /layer directory .* leads outside the Docker root/);
    await rejectsLayerInvalid(layerTarSize({ fs, tarSplit: join(base, 'nope.json.gz'), label: LABEL }), /tar-split .*nope\.json\.gz: .*no such file/);
  });

  it('opens nothing before the stream is read, and stops cleanly when destroyed early', async () => {
    const missing = assembleLayer({ fs, directory: join(base, 'none'), tarSplit: join(base, 'none.gz'), label: LABEL });
    await new Promise((r) => setTimeout(r, 20));
    await rejectsLayerInvalid(readAll(missing), /tar-split/);
    const where = await layer(await packTar([{ name: 'big', data: Buffer.alloc(4 * 1024 * 1024, 7) }]));
    const stream = assembleLayer({ fs, ...where, label: LABEL });
    for await (const chunk of stream) {
      assert.ok((chunk as Buffer).length > 0);
      break;
    }
    assert.ok(stream.destroyed);
  });

  it('rebuilds random small trees exactly (property)', async () => {
    const segment = fc.stringMatching(/^[a-z0-9_.-]{1,12}$/).filter((s) => s !== '.' && s !== '..');
    const tree = fc.uniqueArray(
      fc.record({
        path: fc.array(segment, { minLength: 1, maxLength: 3 }),
        kind: fc.constantFrom('file', 'empty', 'symlink'),
        size: fc.nat(2000),
        byte: fc.nat(255),
      }),
      { selector: (m) => m.path[0], maxLength: 8 },
    );
    await fc.assert(
      fc.asyncProperty(tree, async (items) => {
        const members: TarMember[] = [];
        for (const item of items) {
          const dirs = item.path.slice(0, -1);
          for (let i = 1; i <= dirs.length; i++) members.push({ name: `${dirs.slice(0, i).join('/')}/`, type: 'directory' });
          const name = item.path.join('/');
          if (item.kind === 'symlink') members.push({ name, type: 'symlink', linkname: `../${item.path[0]}` });
          else members.push({ name, data: Buffer.alloc(item.kind === 'empty' ? 0 : item.size, item.byte) });
        }
        await checkRoundTrip(await packTar(members));
      }),
      { numRuns: 25 },
    );
  });
});

/** Recomputes a ustar header's checksum after its bytes were edited. */
function rechecksum(header: Buffer): void {
  header.fill(0x20, 148, 156);
  let sum = 0;
  for (const byte of header) sum += byte;
  header.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'latin1');
}
