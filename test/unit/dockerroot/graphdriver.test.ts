// The graph-driver reader over roots written from the formats (test/support/graph-root.ts):
// names, sizes, sharing, containers, volumes, locate and resolve, and damaged roots.

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { diskUsage } from '../../../src/dockerroot/disk-usage.js';
import { openDockerRoot } from '../../../src/dockerroot/load.js';
import { locate } from '../../../src/dockerroot/locate.js';
import { resolveImage } from '../../../src/dockerroot/resolve.js';
import { layerTarSize } from '../../../src/dockerroot/tarsplit/index.js';
import { GraphRootBuilder, type FixtureImage } from '../../support/graph-root.js';
import { makeTempDir, removeTempDirs } from '../../support/process.js';

describe('graph-driver root (overlay2, from the formats)', () => {
  let root: string;
  let base: FixtureImage;
  let app: FixtureImage;
  let child: FixtureImage;
  let builder: GraphRootBuilder;

  before(async () => {
    root = join(await makeTempDir('stowage-graphroot-'), 'docker');
    builder = new GraphRootBuilder(root);
    const l1 = await builder.layer(undefined, 'base', { 'a.txt': 'x'.repeat(1000) });
    const l2 = await builder.layer(l1, 'app', { 'b.txt': 'y'.repeat(300) });
    base = await builder.image([l1], ['alpine:latest', 'alpine@sha256:' + 'a'.repeat(64)]);
    app = await builder.image([l1, l2], ['example.com:5000/team/app:1', 'app2:v2']);
    // An untagged build step whose child is tagged: docker images hides it, -a shows it.
    const l3 = await builder.layer(l2, 'child', { 'c.txt': 'z' });
    const intermediate = await builder.image([l1, l2], [], { created: '2024-01-03T00:00:00Z' });
    child = await builder.image([l1, l2, l3], ['child:1'], {}, intermediate.id);
    await builder.volume('data', { 'v.bin': 'v'.repeat(50) });
    await builder.volume('idle', { 'w.bin': 'w'.repeat(7) });
    await builder.container('c'.repeat(64), 'web', app, { 'written.txt': 'hello' }, ['data']);
  });
  after(removeTempDirs);

  it('reads images with their names, layers and recorded sizes', async () => {
    const { view } = await openDockerRoot({ dockerRoot: root });
    assert.equal(view.kind, 'overlay2');
    assert.deepEqual(view.problems, []);
    assert.equal(view.images.length, 4);
    const image = resolveImage(view, 'example.com:5000/team/app:1');
    assert.equal(image.id, app.id);
    assert.deepEqual(image.repoTags.sort(), ['app2:v2', 'example.com:5000/team/app:1']);
    assert.deepEqual(
      image.layers.map((l) => l.size),
      [1000, 300],
    );
    assert.equal(image.layers[1]?.directory, join(root, 'overlay2', app.layers[1]!.cacheId, 'diff'));
    assert.ok(image.layers[0]?.paths.includes(join(root, 'overlay2', 'l', app.layers[0]!.link)));
    assert.deepEqual(resolveImage(view, 'alpine').repoDigests, ['alpine@sha256:' + 'a'.repeat(64)]);
    assert.equal(resolveImage(view, 'docker.io/library/alpine:latest').id, base.id);
    assert.equal(resolveImage(view, child.id.slice(7, 19)).id, child.id);
    assert.equal(resolveImage(view, `alpine@sha256:${'a'.repeat(64)}`).id, base.id);
    assert.throws(() => resolveImage(view, 'nope:1'), /No such image: nope:1/);
  });

  it('computes shared and unique sizes, containers, volumes and their links as docker system df does', async () => {
    const { view, fs } = await openDockerRoot({ dockerRoot: root });
    const usage = await diskUsage(view, fs);
    const appUsage = usage.images.find((u) => u.image.id === app.id)!;
    // l1 is used by all four images, l2 by three: both shared.
    assert.deepEqual([appUsage.size, appUsage.sharedSize, appUsage.uniqueSize, appUsage.containers], [1300, 1300, 0, 1]);
    const childUsage = usage.images.find((u) => u.image.id === child.id)!;
    assert.deepEqual([childUsage.size, childUsage.uniqueSize], [1301, 1]);
    assert.equal(usage.layersSize, 1301);
    assert.deepEqual(
      usage.containers.map((c) => [c.container.name, c.sizeRw, c.volumes]),
      [['web', 5, 1]],
    );
    assert.deepEqual(usage.volumes.map((v) => [v.name, v.size, v.links]).sort(), [
      ['data', 50, 1],
      ['idle', 7, 0],
    ]);
  });

  it('locates IDs and paths: layers with the images and containers that use them', async () => {
    const { view } = await openDockerRoot({ dockerRoot: root });
    const [byCache] = locate(view, app.layers[0]!.cacheId.slice(0, 10));
    assert.equal(byCache?.kind, 'layer');
    assert.equal(byCache?.kind === 'layer' && byCache.images.length, 4);
    assert.equal(byCache?.kind === 'layer' && byCache.containers.length, 1);
    const byPath = locate(view, join(root, 'overlay2', app.layers[1]!.cacheId, 'diff', 'b.txt'));
    assert.deepEqual(
      byPath.map((l) => l.kind),
      ['layer'],
    );
    const byLink = locate(view, join(root, 'overlay2', 'l', app.layers[1]!.link));
    assert.deepEqual(
      byLink.map((l) => l.kind),
      ['layer'],
    );
    const container = locate(view, 'c'.repeat(12));
    assert.equal(container[0]?.kind, 'container');
    assert.equal(container[0]?.kind === 'container' && container[0].image?.id, app.id);
    const volume = locate(view, join(root, 'volumes', 'data', '_data', 'v.bin'));
    assert.equal(volume[0]?.kind, 'volume');
    assert.deepEqual(
      locate(view, join(root, 'overlay2', 'l')).map((l) => l.kind),
      ['store'],
    );
    assert.deepEqual(locate(view, '/nowhere/else'), []);
  });

  it('reports a damaged root line by line and never follows a link out of it', async () => {
    const damaged = join(await makeTempDir('stowage-graphroot-damaged-'), 'docker');
    const b = new GraphRootBuilder(damaged);
    const l1 = await b.layer(undefined, 'one', { f: 'abc' });
    const l2 = await b.layer(l1, 'two', { g: 'de' });
    await b.image([l1, l2], ['broken:1']);
    await rm(join(damaged, 'image', 'overlay2', 'layerdb', 'sha256', l2.chainId.slice(7)), { recursive: true });
    await writeFile(join(damaged, 'image', 'overlay2', 'repositories.json'), '{"Repositories":{"bro');
    // A cache-id that climbs out, and a short link to /etc.
    const evil = join(damaged, 'image', 'overlay2', 'layerdb', 'sha256', 'e'.repeat(64));
    await mkdir(evil, { recursive: true });
    await writeFile(join(evil, 'diff'), `sha256:${'e'.repeat(64)}`);
    await writeFile(join(evil, 'cache-id'), '../../../../etc');
    await symlink('/etc', join(damaged, 'overlay2', 'l', 'ESCAPE'));
    const { view } = await openDockerRoot({ dockerRoot: damaged });
    const text = view.problems.join('\n');
    assert.match(text, /repositories\.json: not valid JSON/);
    assert.match(text, /layer 2 \(chain [0-9a-f]{12}\) is missing from layerdb/);
    assert.match(text, /cache-id "\.\.\/\.\.\/\.\.\/\.\.\/etc" is not a directory name/);
    assert.equal(view.images.length, 1);
    assert.deepEqual(view.images[0]?.repoTags, []);
    assert.ok(view.layers.every((l) => !l.directory?.includes('/etc')));
    assert.match(text, /overlay2\/l\/ESCAPE: leads outside the Docker root \(to \/etc\); not followed/);
    const located = locate(view, join(damaged, 'overlay2', 'l', 'ESCAPE', 'passwd'));
    assert.deepEqual(
      located.map((l) => l.kind),
      ['store'],
      'named by where it is, not by what it points at',
    );
  });

  it('survives a hostile root: parent cycles, links to /, FIFOs, garbage configs, escape sequences in names', async () => {
    const hostile = join(await makeTempDir('stowage-graphroot-hostile-'), 'docker');
    const b = new GraphRootBuilder(hostile);
    const l1 = await b.layer(undefined, 'h1', { f: 'abc' });
    const l2 = await b.layer(l1, 'h2', { g: 'de' });
    const image = await b.image([l1, l2], ['ok:1']);
    await b.container('d'.repeat(64), 'victim', image, { x: '1' });
    const meta = join(hostile, 'image', 'overlay2', 'layerdb', 'sha256');
    // l1's parent is l2 and l2's is l1: a cycle.
    await writeFile(join(meta, l1.chainId.slice(7), 'parent'), l2.chainId);
    // The container's writable layer replaced by a link to /; a volume that is a link out.
    const mountId = (await readFile(join(meta, '..', 'mounts', 'd'.repeat(64), 'mount-id'), 'utf8')).trim();
    await rm(join(hostile, 'overlay2', mountId, 'diff'), { recursive: true });
    await symlink('/', join(hostile, 'overlay2', mountId, 'diff'));
    await mkdir(join(hostile, 'volumes'), { recursive: true });
    await symlink('/usr', join(hostile, 'volumes', 'evil'));
    // A FIFO where l2's tar-split should be.
    execFileSync('mkfifo', [join(meta, l2.chainId.slice(7), 'tar-split.json.gz')]);
    // A garbage container config, and a tag crafted to drive the terminal.
    await mkdir(join(hostile, 'containers', 'e'.repeat(64)), { recursive: true });
    await writeFile(join(hostile, 'containers', 'e'.repeat(64), 'config.v2.json'), 'null');
    const repositories = join(hostile, 'image', 'overlay2', 'repositories.json');
    const names = JSON.parse(await readFile(repositories, 'utf8')) as { Repositories: Record<string, Record<string, string>> };
    names.Repositories.ok!['\u001b]0;pwned\u0007:1'] = image.id;
    await writeFile(repositories, JSON.stringify(names));

    const { view, fs } = await openDockerRoot({ dockerRoot: hostile });
    const text = view.problems.join('\n');
    assert.match(text, /is not a JSON object/);
    assert.match(text, /is not an image reference; ignored/);
    assert.deepEqual(view.images[0]?.repoTags, ['ok:1']);
    assert.deepEqual(view.volumes, [], 'a volume that is a link is not listed');
    const usage = await diskUsage(view, fs);
    assert.deepEqual(
      usage.containers.map((c) => c.sizeRw),
      [0],
      'a writable layer linked to / is not walked',
    );
    // locate over a parent cycle ends.
    assert.equal(locate(view, l1.cacheId.slice(0, 8))[0]?.kind, 'layer');
    // Rebuilding opens the FIFO without blocking and fails with a clear error.
    const sized = await layerTarSize({ fs, tarSplit: join(meta, l2.chainId.slice(7), 'tar-split.json.gz'), label: 'layer 2' }).then(
      () => 'no error',
      (err: Error) => err.message,
    );
    assert.match(sized, /not a regular file/);
  });

  it('says clearly when a directory is not a Docker root', async () => {
    const empty = await makeTempDir('stowage-graphroot-empty-');
    await assert.rejects(openDockerRoot({ dockerRoot: empty }), /is this a Docker root\?/);
    await assert.rejects(openDockerRoot({ dockerRoot: join(empty, 'missing') }), /no Docker root: .*no such file or directory/);
  });
});
