// SIZE as docker shows it: the layers unpacked, the same for an image pulled with gzip layers
// and loaded with plain tars, measured once while the layer streams in and remembered in
// images.json; the blobs as stored are {{.ContentSize}} and system df's Content row.

import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { humanSize, humanSizePrecise } from '../../../src/cli/format/units.js';
import { writeSizedImage, type SizedImage } from '../../support/sized-image.js';
import { startRegistry, type TestRegistry } from '../../support/registry.js';

const CLI = fileURLToPath(new URL('../../../src/cli/main.js', import.meta.url));
const exec = promisify(execFile);

describe('SIZE is the unpacked size, however the layers came in', () => {
  let reg: TestRegistry;
  let dir: string;
  let host: string;
  let sized: SizedImage;
  let plain: SizedImage;
  let other: SizedImage;
  let recordedByLoad: Record<string, number>;
  const stowage = async (root: string, ...args: string[]): Promise<string> =>
    (await exec(process.execPath, [CLI, ...args], { env: { ...process.env, STOWAGE_ROOT: join(dir, root) }, timeout: 60_000 })).stdout;
  const imagesJson = async (root: string) =>
    JSON.parse(await readFile(join(dir, root, 'stowage', 'images.json'), 'utf8')) as { layerSizes?: Record<string, number> };

  before(async () => {
    reg = await startRegistry();
    host = new URL(reg.url).host;
    dir = await mkdtemp(join(tmpdir(), 'stowage-cli-sizes-'));
    sized = await writeSizedImage(join(dir, 'gz'), 'sized', ['base', 'changes', 'links', 'empty']);
    other = await writeSizedImage(join(dir, 'gz'), 'other', ['base', 'extra']);
    plain = await writeSizedImage(join(dir, 'plain'), 'sized', ['base', 'changes', 'links', 'empty'], { uncompressed: true });
    await stowage('pulled', 'copy', '-q', `oci:${join(dir, 'gz')}:sized`, `docker://${host}/t/sized:1`);
    await stowage('pulled', 'copy', '-q', `oci:${join(dir, 'gz')}:other`, `docker://${host}/t/other:1`);
    await stowage('pulled', 'pull', '-q', `${host}/t/sized:1`);
    await stowage('pulled', 'pull', '-q', `${host}/t/other:1`);
    await exec('tar', ['-cf', join(dir, 'plain.tar'), '-C', join(dir, 'plain'), '.']);
    await stowage('loaded', 'load', '-i', join(dir, 'plain.tar'));
    recordedByLoad = (await imagesJson('loaded')).layerSizes ?? {};
  });
  after(async () => {
    await reg.close();
    await rm(dir, { recursive: true, force: true });
  });

  it("pulled (gzip) and loaded (plain tar): the same SIZE, each layer's unpacked size", async () => {
    assert.notDeepEqual(sized.blobs, plain.blobs);
    assert.equal(await stowage('pulled', 'images', '--format', '{{.Size}}', `${host}/t/sized:1`), `${humanSize(sized.total)}\n`);
    assert.equal((await stowage('loaded', 'images', '--format', '{{.Size}}')).trim(), humanSize(sized.total));
    for (const root of ['pulled', 'loaded']) {
      const name = root === 'pulled' ? `${host}/t/sized:1` : (await stowage(root, 'images', '-q', '--no-trunc')).trim();
      const sizes = (await stowage(root, 'history', '--human=false', '--format', '{{.Size}}', name)).trim().split('\n');
      // Newest first, with the empty_layer ENV between base and changes.
      assert.deepEqual(sizes, [0, 811, 7151, 0, 104_741].map(String), root);
    }
  });

  it('measured while the blobs streamed in: images.json has every layer before any listing', () => {
    // New blobs are not in blobs/ before the commit: only the sink's meter can have measured them.
    assert.deepEqual(
      plain.blobs.map((d) => recordedByLoad[d]),
      plain.sizes,
    );
  });

  it("{{.ContentSize}} is the blobs as stored: the pulled image's compressed, the loaded one's not", async () => {
    const stored = async (layout: string, image: SizedImage): Promise<number> => {
      let total = 0;
      for (const digest of [image.digest, image.configDigest, ...image.blobs])
        total += (await stat(join(dir, layout, 'blobs', 'sha256', digest.slice(7)))).size;
      return total;
    };
    assert.equal(await stowage('pulled', 'images', '--format', '{{.ContentSize}}', `${host}/t/sized:1`), `${humanSize(await stored('gz', sized))}\n`);
    assert.equal(await stowage('loaded', 'images', '--format', '{{.ContentSize}}'), `${humanSize(await stored('plain', plain))}\n`);
  });

  it('system df: layers once, shared as docker counts them; the blobs in the Content row', async () => {
    const df = await stowage('pulled', 'system', 'df');
    const layers = sized.total + 2000;
    assert.match(df, new RegExp(`^Images\\s+2\\s+0\\s+${escapeRegex(humanSizePrecise(layers))}\\s+${escapeRegex(humanSizePrecise(layers))} \\(100%\\)$`, 'm'));
    assert.match(df, /^Content\s+9\s+0\s+/m);
    const verbose = await stowage('pulled', 'system', 'df', '-v');
    const row = verbose.split('\n').find((l) => l.startsWith(`${host}/t/other`)) ?? '';
    assert.match(
      row,
      new RegExp(`${escapeRegex(humanSize(other.total))}\\s+${escapeRegex(humanSizePrecise(104_741))}\\s+${escapeRegex(humanSizePrecise(2000))}\\s+0$`),
    );
  });

  it('a store written before sizes were kept gets them measured on first listing, and remembered', async () => {
    const path = join(dir, 'pulled', 'stowage', 'images.json');
    const before = JSON.parse(await readFile(path, 'utf8')) as { layerSizes?: Record<string, number> };
    delete before.layerSizes;
    await writeFile(path, JSON.stringify(before));
    assert.equal(await stowage('pulled', 'images', '--format', '{{.Size}}', `${host}/t/sized:1`), `${humanSize(sized.total)}\n`);
    const after = (await imagesJson('pulled')).layerSizes ?? {};
    assert.deepEqual(
      sized.blobs.map((d) => after[d]),
      sized.sizes,
    );
  });

  it('rmi forgets the sizes of the layers it frees, and keeps the shared ones', async () => {
    await stowage('pulled', 'rmi', `${host}/t/other:1`);
    const recorded = (await imagesJson('pulled')).layerSizes ?? {};
    assert.equal(Object.keys(recorded).length, sized.blobs.length);
    assert.equal(recorded[sized.blobs[0] ?? ''], 104_741);
  });
});

function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
