import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import tar from 'tar-stream';
import { OciArchiveSink, OciArchiveSource } from '../../../src/transport/oci-archive.js';
import { OciLayoutSource } from '../../../src/transport/oci-layout.js';
import { writeImageLayout } from '../../support/oci-layout.js';
import { packTar } from './tar-fixtures.js';
import { assertSameImage, copyByHand, rejectsWith, runTransportSuite } from './transport-suite.js';

runTransportSuite('oci archive', async () => {
  const root = await mkdtemp(join(tmpdir(), 'stowage-oci-archive-'));
  const file = join(root, 'image.tar');
  return {
    sink: (ref) => OciArchiveSink.create(file, ref),
    source: (ref) => OciArchiveSource.open(file, ref),
    cleanup: () => rm(root, { recursive: true, force: true }),
  };
});

/** Member names and their bytes, in archive order. */
async function members(file: string): Promise<Array<{ name: string; type: string; data: Buffer }>> {
  const extract = tar.extract();
  const out: Array<{ name: string; type: string; data: Buffer }> = [];
  const reading = (async () => {
    for await (const entry of extract) {
      const chunks: Buffer[] = [];
      for await (const chunk of entry) chunks.push(Buffer.from(chunk as Uint8Array));
      out.push({ name: entry.header.name, type: entry.header.type, data: Buffer.concat(chunks) });
    }
  })();
  extract.end(await readFile(file));
  await reading;
  return out;
}

describe('OCI archive files', () => {
  let root: string;
  let fixtures: string;

  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'stowage-oci-archive-files-'));
    fixtures = join(root, 'fixtures');
  });
  afterEach(async () => {
    await rm(root, { recursive: true, force: true });
  });

  const writeArchive = async (file: string, ref: string | undefined): Promise<void> => {
    const source = await OciLayoutSource.open(fixtures, 'v1');
    const sink = await OciArchiveSink.create(file, ref);
    try {
      await copyByHand(source, sink);
    } finally {
      await sink.close();
    }
  };

  it('writes a plain tar of the layout, metadata first, and nothing else beside it', async () => {
    const image = await writeImageLayout(fixtures, { layers: 2, seed: 'files', tag: 'v1' });
    const file = join(root, 'out.tar');
    await writeArchive(file, 'v1');
    const list = await members(file);
    assert.deepEqual(
      list.map((m) => m.name),
      ['index.json', 'oci-layout', 'blobs/', 'blobs/sha256/', ...[...image.blobs].sort().map((d) => `blobs/sha256/${d.slice(7)}`)],
    );
    const index = JSON.parse(list[0]!.data.toString('utf8')) as { manifests: Array<{ digest: string }> };
    assert.equal(index.manifests[0]?.digest, image.digest);
    assert.deepEqual((await readdir(root)).sort(), ['fixtures', 'out.tar']);
    // Written twice, the same image gives the same bytes.
    const first = await readFile(file);
    await writeArchive(file, 'v1');
    assert.ok(first.equals(await readFile(file)));
  });

  it('leaves neither archive nor temporary directory when closed without commit', async () => {
    await writeImageLayout(fixtures, { layers: 1, seed: 'abandon', tag: 'v1' });
    const sink = await OciArchiveSink.create(join(root, 'never.tar'), 'v1');
    await sink.close();
    assert.deepEqual(await readdir(root), ['fixtures']);
  });

  it('reads an archive whose members are named ./oci-layout, ./blobs/... (tar -C dir -cf x.tar .)', async () => {
    await writeImageLayout(fixtures, { layers: 2, seed: 'dot', tag: 'v1' });
    const names = ['oci-layout', 'index.json', ...(await readdir(join(fixtures, 'blobs', 'sha256'))).map((h) => `blobs/sha256/${h}`)];
    const file = join(root, 'dot.tar');
    const dirs = [
      { name: './', type: 'directory' as const },
      { name: './blobs/', type: 'directory' as const },
    ];
    const files = await Promise.all(names.map(async (name) => ({ name: `./${name}`, data: await readFile(join(fixtures, name)) })));
    await writeFile(file, await packTar([...dirs, ...files]));
    const expected = await OciLayoutSource.open(fixtures, 'v1');
    const actual = await OciArchiveSource.open(file, 'v1');
    await assertSameImage(expected, actual);
  });

  it('refuses a missing file and a tar that is not a layout', async () => {
    await rejectsWith(OciArchiveSource.open(join(root, 'absent.tar')), 'PATH_NOT_FOUND');
    const file = join(root, 'plain.tar');
    await writeFile(file, await packTar([{ name: 'hello.txt', data: Buffer.from('hi') }]));
    await rejectsWith(OciArchiveSource.open(file), 'PATH_NOT_FOUND', /not an OCI image layout/);
    await rejectsWith(OciArchiveSink.create(join(root, 'no', 'such', 'dir.tar')), 'PATH_NOT_FOUND');
  });
});
