// A damaged or hostile pre-1.10 root: every fault is a readable `problems` line or a clear
// error, and no symlink leads the reader out of the root. The roots are written by
// test/support/legacy-root.ts from the formats (no engine that writes them runs here), then
// damaged by hand.

import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { isStowageError } from '../../../src/errors/error.js';
import { loadLegacyRoot } from '../../../src/dockerroot/legacy/index.js';
import type { DockerRootView } from '../../../src/dockerroot/model.js';
import { copyImage } from '../../../src/transport/copy.js';
import { OciLayoutSink } from '../../../src/transport/oci-layout.js';
import { idFor, writeLegacyRoot, type LegacyFixture } from '../../support/legacy-root.js';

describe('legacy root faults', () => {
  let dir: string;
  let outside: string;
  let fixture: LegacyFixture;

  beforeEach(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'stowage-legacy-faults-'));
    outside = path.join(dir, 'outside');
    await mkdir(outside);
    fixture = await writeLegacyRoot(path.join(dir, 'docker'), { faults: true });
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  const id = (key: string): string => fixture.ids[key] as string;
  const imageOf = (view: DockerRootView, key: string) => view.images.find((i) => i.id === id(key));
  const problemMatching = (view: DockerRootView, pattern: RegExp): string | undefined => view.problems.find((p) => pattern.test(p));

  it('lists an image whose parent is missing, with one problem naming the parent', async () => {
    const view = await loadLegacyRoot(fixture.root);
    const lonely = imageOf(view, 'lonely');
    assert.ok(lonely, 'still listed');
    assert.equal(lonely.parent, fixture.missingParent);
    assert.deepEqual(
      lonely.layers.map((l) => l.chainId),
      [id('lonely')],
    );
    assert.deepEqual(view.problems, [
      `image ${id('lonely').slice(0, 12)}: names parent ${fixture.missingParent}, which graph/ does not hold; it and the images above it have incomplete layers`,
    ]);
  });

  it('reads the images untagged when repositories-aufs is truncated, and says so', async () => {
    const file = path.join(fixture.root, 'repositories-aufs');
    const text = await readFile(file, 'utf8');
    await writeFile(file, text.slice(0, text.length - 20));
    const view = await loadLegacyRoot(fixture.root);
    assert.equal(view.images.length, 4);
    assert.ok(view.images.every((i) => i.repoTags.length === 0 && i.repoDigests.length === 0));
    const problem = problemMatching(view, /repositories-aufs/);
    assert.ok(problem);
    assert.match(problem, /not valid JSON/);
    assert.match(problem, /no tags read, images are listed untagged/);
  });

  it('reports a tag naming an image graph/ does not hold', async () => {
    const ghost = idFor('ghost');
    await writeFile(path.join(fixture.root, 'repositories-aufs'), JSON.stringify({ Repositories: { ghost: { '1': ghost }, ubuntu: { latest: id('top') } } }));
    const view = await loadLegacyRoot(fixture.root);
    assert.deepEqual(imageOf(view, 'top')?.repoTags, ['ubuntu:latest']);
    assert.ok(problemMatching(view, new RegExp(`ghost:1 name image ${ghost.slice(0, 12)}, which graph/ does not hold`)));
  });

  it('skips a graph entry whose json names another ID, as docker 1.9 did', async () => {
    const json = path.join(fixture.root, 'graph', id('lonely'), 'json');
    const parsed = JSON.parse(await readFile(json, 'utf8')) as { id: string };
    parsed.id = idFor('someone else');
    await writeFile(json, JSON.stringify(parsed));
    const view = await loadLegacyRoot(fixture.root);
    assert.equal(imageOf(view, 'lonely'), undefined);
    assert.ok(problemMatching(view, /names id .*, not its directory's; image skipped/));
  });

  it('reports driver directories nobody owns and an aufs/layers file that disagrees', async () => {
    const stray = idFor('stray');
    await mkdir(path.join(fixture.root, 'aufs', 'diff', stray), { recursive: true });
    await writeFile(path.join(fixture.root, 'aufs', 'layers', id('top')), `${id('base')}\n`);
    const view = await loadLegacyRoot(fixture.root);
    assert.ok(problemMatching(view, new RegExp(`aufs/diff/${stray}: no image or container`)));
    assert.ok(problemMatching(view, new RegExp(`aufs/layers/${id('top')}: lists ancestors ${id('base').slice(0, 12)} but`)));
  });

  it('never follows a layer directory symlinked out of the root', async () => {
    const diff = path.join(fixture.root, 'aufs', 'diff', id('base'));
    await rm(diff, { recursive: true });
    await mkdir(path.join(outside, 'bin'), { recursive: true });
    await symlink(outside, diff);
    const view = await loadLegacyRoot(fixture.root);
    const base = view.layers.find((l) => l.chainId === id('base'));
    assert.equal(base?.directory, undefined);
    assert.ok(!base?.paths.includes(diff), "a path leading out is not the layer's");
    assert.ok(problemMatching(view, /leads outside the Docker root/));
    await assert.rejects(view.openSource(imageOf(view, 'top') as never), (err: unknown) => isStowageError(err, 'LAYER_INVALID'));
  });

  for (const variant of ['a file', 'a directory on the way'] as const) {
    it(`never reads layer content through ${variant} symlinked out of the root`, async () => {
      // The outside file holds exactly the expected content: only confinement can stop the read.
      const diffEtc = path.join(fixture.root, 'aufs', 'diff', id('mid'), 'etc');
      const secret = await readFile(path.join(diffEtc, 'app.conf'));
      await writeFile(path.join(outside, 'app.conf'), secret);
      if (variant === 'a file') {
        await rm(path.join(diffEtc, 'app.conf'));
        await symlink(path.join(outside, 'app.conf'), path.join(diffEtc, 'app.conf'));
      } else {
        await rm(diffEtc, { recursive: true });
        await symlink(outside, diffEtc);
      }
      const view = await loadLegacyRoot(fixture.root);
      const top = imageOf(view, 'top');
      assert.ok(top);
      const layout = path.join(dir, 'layout');
      await assert.rejects(
        (async () => {
          const source = await view.openSource(top);
          const sink = await OciLayoutSink.create(layout, 'legacy');
          try {
            await copyImage(source, sink);
          } finally {
            await sink.close();
          }
        })(),
        (err: unknown) => {
          assert.ok(isStowageError(err, 'LAYER_INVALID'), String(err));
          assert.match(err.message, /etc\/app\.conf .*(outside|not followed)/);
          return true;
        },
      );
    });
  }

  it('reports an unreadable json through a graph entry symlinked out of the root', async () => {
    const entry = path.join(fixture.root, 'graph', id('lonely'));
    await rm(entry, { recursive: true });
    await mkdir(path.join(outside, 'g'));
    await writeFile(path.join(outside, 'g', 'json'), JSON.stringify({ id: id('lonely') }));
    await symlink(path.join(outside, 'g'), entry);
    const view = await loadLegacyRoot(fixture.root);
    assert.equal(imageOf(view, 'lonely'), undefined);
    assert.ok(problemMatching(view, /leads outside the Docker root/));
  });
});
