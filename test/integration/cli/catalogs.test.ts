// `stowage images|image inspect|system df|info` and `stowage docker images|inspect|df|info` are
// one implementation each over an ImageCatalog: the same images in the local store and in a
// Docker root list, filter and fail the same way.

import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { GraphRootBuilder, type FixtureImage } from '../../support/graph-root.js';
import { STOWAGE_CLI, makeTempDir, removeTempDirs, run, type RunResult } from '../../support/process.js';

const sha256 = (text: string): string => `sha256:${createHash('sha256').update(text).digest('hex')}`;

describe('the local store and a Docker root through the same verbs', () => {
  let dockerRoot: string;
  let storeRoot: string;
  const images: Record<string, FixtureImage> = {};
  const cli = (...args: string[]): Promise<RunResult> => run(process.execPath, [STOWAGE_CLI, ...args], { timeoutMs: 60_000 });
  const local = (verb: string[], ...args: string[]) => cli(...verb, '--root', storeRoot, ...args);
  const docker = (verb: string, ...args: string[]) => cli('docker', verb, '--docker-root', dockerRoot, ...args);

  before(async () => {
    const dir = await makeTempDir('stowage-catalogs-');
    dockerRoot = join(dir, 'docker');
    storeRoot = join(dir, 'store');
    const builder = new GraphRootBuilder(dockerRoot);
    const base = await builder.layer(undefined, 'base', { 'a.txt': 'a'.repeat(1000) });
    const app = await builder.layer(base, 'app', { 'b.txt': 'b'.repeat(300) });
    images.alpine = await builder.image([base], ['alpine:latest'], { created: '2024-01-01T00:00:00Z' });
    images.app = await builder.image([base, app], ['app:1'], { created: '2024-02-01T00:00:00Z', config: { Labels: { team: 'b' } } });
    images.newer = await builder.image([base, app], ['newer:1', 'newer:2'], { created: '2024-03-01T00:00:00Z', config: { Labels: { team: 'a' } } });
    await writeStore(storeRoot, Object.values(images), { alpine: ['alpine:latest'], app: ['app:1'], newer: ['newer:1', 'newer:2'] }, images);
  });
  after(removeTempDirs);

  /** The same images in the local store: the same configs (so IDs), names, layers and sizes. */
  async function writeStore(root: string, all: FixtureImage[], names: Record<string, string[]>, byName: Record<string, FixtureImage>): Promise<void> {
    const blobs = join(root, 'blobs', 'sha256');
    await mkdir(blobs, { recursive: true });
    await mkdir(join(root, 'stowage'), { recursive: true });
    const stored: Record<string, unknown> = {};
    const tags: Record<string, string> = {};
    const layerSizes: Record<string, number> = {};
    for (const [name, image] of Object.entries(byName)) {
      await writeFile(join(blobs, image.id.slice(7)), image.config);
      const manifest = sha256(`manifest ${image.id}`);
      const layers = image.layers.map((layer) => ({ mediaType: 'application/vnd.oci.image.layer.v1.tar', digest: layer.diffId, size: layer.size }));
      for (const layer of image.layers) layerSizes[layer.diffId] = layer.size;
      const config = JSON.parse(image.config.toString('utf8')) as { created: string };
      stored[manifest] = {
        id: image.id,
        manifest: { digest: manifest, mediaType: 'application/vnd.oci.image.manifest.v1+json', size: 500 },
        config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: image.id, size: image.config.length },
        layers,
        diffIds: image.layers.map((layer) => layer.diffId),
        repoDigests: [],
        created: config.created,
        pulled: '2024-06-01T00:00:00Z',
        platform: { os: 'linux', architecture: 'amd64' },
      };
      for (const tag of names[name] ?? []) tags[`docker.io/library/${tag}`] = manifest;
    }
    assert.equal(Object.keys(stored).length, all.length);
    await writeFile(join(root, 'stowage', 'images.json'), JSON.stringify({ version: 1, images: stored, tags, layerSizes }));
    await writeFile(join(root, 'oci-layout'), '{"imageLayoutVersion":"1.0.0"}');
  }

  const listing = '{{.Repository}}:{{.Tag}} {{.ID}} {{.Size}}';

  it('images: the same table, and the same rows for every filter', async () => {
    const both = async (...args: string[]): Promise<string> => {
      const [ours, theirs] = await Promise.all([local(['images'], ...args), docker('images', ...args)]);
      assert.equal(ours.code, 0, ours.stderr);
      assert.equal(theirs.stdout, ours.stdout, `stowage docker images ${args.join(' ')}`);
      assert.equal(theirs.stderr, ours.stderr);
      return ours.stdout;
    };
    const short = (image: FixtureImage | undefined): string => image!.id.slice(7, 19);
    assert.match(await both(), new RegExp(`^REPOSITORY +TAG +IMAGE ID +CREATED +SIZE\nnewer +1 +${short(images.newer)} `));
    assert.equal(
      await both('--format', listing, '--filter', 'before=newer:1'),
      `app:1 ${short(images.app)} 1.3kB\nalpine:latest ${short(images.alpine)} 1kB\n`,
    );
    assert.equal(
      await both('--format', listing, '--filter', 'since=alpine'),
      `newer:1 ${short(images.newer)} 1.3kB\nnewer:2 ${short(images.newer)} 1.3kB\napp:1 ${short(images.app)} 1.3kB\n`,
    );
    assert.equal(await both('--format', listing, '--filter', 'label=team=b'), `app:1 ${short(images.app)} 1.3kB\n`);
    assert.equal(await both('--format', listing, 'newer:2'), `newer:2 ${short(images.newer)} 1.3kB\n`);
    assert.equal(await both('-q'), [images.newer, images.app, images.alpine].map((i) => `${short(i)}\n`).join(''));
  });

  it('image inspect: the one No such image, the same output and exit status', async () => {
    const [ours, theirs] = await Promise.all([
      local(['image', 'inspect'], 'nope:1', 'app:1', '--format', '{{.Id}}'),
      docker('inspect', 'nope:1', 'app:1', '--format', '{{.Id}}'),
    ]);
    assert.deepEqual([theirs.code, theirs.stdout, theirs.stderr], [1, `${images.app!.id}\n`, 'stowage: No such image: nope:1\n']);
    assert.deepEqual([ours.code, ours.stdout, ours.stderr], [theirs.code, theirs.stdout, theirs.stderr]);
  });

  it("system df: docker's rows in both; the local store adds its own after them", async () => {
    const [ours, theirs] = await Promise.all([local(['system', 'df'], '--format', 'json'), docker('df', '--format', 'json')]);
    const rows = (text: string) =>
      text
        .trim()
        .split('\n')
        .map((line) => (JSON.parse(line) as { Type: string }).Type);
    assert.deepEqual(rows(theirs.stdout), ['Images', 'Containers', 'Local Volumes', 'Build Cache']);
    assert.deepEqual(rows(ours.stdout), ['Images', 'Containers', 'Local Volumes', 'Build Cache', 'Unpacked', 'Content']);
    assert.equal(ours.stdout.split('\n')[0], theirs.stdout.split('\n')[0], 'the same Images row: each layer once, unpacked');
  });

  it("info: each catalog's facts through one renderer", async () => {
    const [ours, theirs] = await Promise.all([local(['info'], '--format', '{{.Images}}'), docker('info', '--format', '{{.Images}} {{.Problems}}')]);
    assert.deepEqual([ours.stdout, theirs.stdout], ['3\n', '3 []\n']);
    assert.match(
      (await docker('info')).stdout,
      /^Docker Root Dir: .*\n Found by: --docker-root\nStorage Driver: overlay2\n(.*\n)*Disk Use:\n Layers: 1\.3kB\n/,
    );
  });
});
