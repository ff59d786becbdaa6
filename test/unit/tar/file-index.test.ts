import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { normaliseName, TarIndex } from '../../../src/tar/file-index.js';
import { blocks, END_OF_ARCHIVE, packTar, rawHeader } from '../transport/tar-fixtures.js';
import { readAll, rejectsWith } from '../transport/transport-suite.js';

describe('TarIndex', () => {
  let dir: string;
  let n = 0;
  const write = async (bytes: Buffer): Promise<string> => {
    const file = join(dir, `t${n++}.tar`);
    await writeFile(file, bytes);
    return file;
  };
  const content = async (index: TarIndex, name: string): Promise<string | undefined> => {
    const stream = index.open(name);
    return stream === undefined ? undefined : (await readAll(stream)).toString('utf8');
  };

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'stowage-tar-index-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('indexes regular files and reads each one as a range, without the others', async () => {
    const big = Buffer.alloc(70_000, 'b');
    const file = await write(
      await packTar([
        { name: 'dir/', type: 'directory' },
        { name: 'dir/a.txt', data: Buffer.from('alpha') },
        { name: 'big.bin', data: big },
        { name: 'empty', data: Buffer.alloc(0) },
        { name: 'z.txt', data: Buffer.from('zulu') },
      ]),
    );
    const index = await TarIndex.open(file);
    assert.deepEqual(index.names().sort(), ['big.bin', 'dir/a.txt', 'empty', 'z.txt']);
    assert.equal(await content(index, 'dir/a.txt'), 'alpha');
    assert.equal(await content(index, 'z.txt'), 'zulu');
    assert.equal(await content(index, 'empty'), '');
    assert.ok((await readAll(index.open('big.bin')!)).equals(big));
    assert.equal(index.find('big.bin')?.size, big.length);
    assert.equal((await index.read('dir/a.txt', 100))?.toString(), 'alpha');
    await rejectsWith(index.read('big.bin', 1000), 'MANIFEST_TOO_LARGE');
    assert.equal(index.open('missing'), undefined);
  });

  it('reads long names from pax headers (tar-stream) and ustar prefixes', async () => {
    const long = `blobs/${'d'.repeat(120)}/${'e'.repeat(90)}.bin`;
    const file = await write(await packTar([{ name: long, data: Buffer.from('pax named') }]));
    const index = await TarIndex.open(file);
    assert.deepEqual(index.names(), [long]);
    assert.equal(await content(index, long), 'pax named');

    const prefixed = Buffer.concat([
      rawHeader({ name: 'file.txt', size: 8, type: '0', prefix: 'a/very/deep' }),
      blocks(Buffer.from('prefixed')),
      END_OF_ARCHIVE,
    ]);
    assert.equal(await content(await TarIndex.open(await write(prefixed)), 'a/very/deep/file.txt'), 'prefixed');
  });

  it('reads GNU long names (L), base-256 sizes and pax sizes', async () => {
    const long = `x/${'n'.repeat(200)}`;
    const name = Buffer.from(`${long}\0`);
    const base256 = Buffer.alloc(12);
    base256[0] = 0x80;
    base256.writeUInt32BE(5, 8);
    const archive = Buffer.concat([
      rawHeader({ name: '././@LongLink', size: name.length, type: 'L', magic: 'gnu' }),
      blocks(name),
      rawHeader({ name: long.slice(0, 99), size: 6, type: '0', magic: 'gnu' }),
      blocks(Buffer.from('gnu ok')),
      rawHeader({ name: 'b256', size: base256, type: '0' }),
      blocks(Buffer.from('five!')),
      // A global pax header (parsed, not applied), then a pax size overriding the member's own.
      rawHeader({ name: 'pax_global_header', size: 20, type: 'g' }),
      blocks(Buffer.from('20 comment=anything\n')),
      rawHeader({ name: 'PaxHeaders/sized', size: 10, type: 'x' }),
      blocks(Buffer.from('10 size=5\n')),
      rawHeader({ name: 'sized', size: 0, type: '0' }),
      blocks(Buffer.from('sized')),
      END_OF_ARCHIVE,
    ]);
    const index = await TarIndex.open(await write(archive));
    assert.deepEqual(index.names(), [long, 'b256', 'sized']);
    assert.equal(await content(index, 'sized'), 'sized');
    assert.equal(await content(index, long), 'gnu ok');
    assert.equal(await content(index, 'b256'), 'five!');
  });

  it('normalises ./ prefixes and doubled slashes, and leaves out absolute and .. names', async () => {
    assert.equal(normaliseName('./index.json'), 'index.json');
    assert.equal(normaliseName('blobs//sha256/./x'), 'blobs/sha256/x');
    assert.equal(normaliseName('/etc/passwd'), undefined);
    assert.equal(normaliseName('a/../../b'), undefined);
    const file = await write(
      await packTar([
        { name: './index.json', data: Buffer.from('{}') },
        { name: '../escape', data: Buffer.from('no') },
      ]),
    );
    const index = await TarIndex.open(file);
    assert.deepEqual(index.names(), ['index.json']);
    assert.equal(await content(index, 'index.json'), '{}');
    assert.equal(await content(index, '../escape'), undefined);
  });

  it('follows links inside the archive only (docker save <= 24 links repeated layers)', async () => {
    const file = await write(
      await packTar([
        { name: 'aaa/layer.tar', data: Buffer.from('layer bytes') },
        { name: 'bbb/layer.tar', type: 'symlink', linkname: '../aaa/layer.tar' },
        { name: 'ccc/layer.tar', type: 'link', linkname: 'aaa/layer.tar' },
        { name: 'evil', type: 'symlink', linkname: '../../../etc/passwd' },
        { name: 'abs', type: 'symlink', linkname: '/etc/passwd' },
        { name: 'loop1', type: 'symlink', linkname: 'loop2' },
        { name: 'loop2', type: 'symlink', linkname: 'loop1' },
      ]),
    );
    const index = await TarIndex.open(file);
    assert.equal(await content(index, 'bbb/layer.tar'), 'layer bytes');
    assert.equal(await content(index, 'ccc/layer.tar'), 'layer bytes');
    assert.equal(await content(index, 'evil'), undefined);
    assert.equal(await content(index, 'abs'), undefined);
    assert.equal(await content(index, 'loop1'), undefined);
  });

  it('lets a later member of the same name win, as extraction would', async () => {
    const file = await write(
      await packTar([
        { name: 'f', data: Buffer.from('first') },
        { name: 'f', data: Buffer.from('second') },
      ]),
    );
    assert.equal(await content(await TarIndex.open(file), 'f'), 'second');
  });

  it('refuses a file that is not a tar, a truncated tar, and a missing file', async () => {
    await rejectsWith(TarIndex.open(await write(Buffer.alloc(2048, 'x'))), 'MANIFEST_INVALID', /not a tar archive/);
    const whole = await packTar([{ name: 'f', data: Buffer.alloc(5000, 1) }]);
    await rejectsWith(TarIndex.open(await write(whole.subarray(0, 2048))), 'MANIFEST_INVALID', /truncated/);
    await rejectsWith(TarIndex.open(join(dir, 'absent.tar')), 'PATH_NOT_FOUND');
  });
});
