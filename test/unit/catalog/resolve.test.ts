// One way to find an image by name, ID or digest, and one "No such image", for every catalog:
// the shared algorithm over a small index, then the local store's and a Docker root's resolvers.

import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { resolveName, type NameIndex } from '../../../src/catalog/resolve.js';
import { openDockerRoot } from '../../../src/dockerroot/load.js';
import { resolveImage as resolveInRoot } from '../../../src/dockerroot/resolve.js';
import type { StoreMetadata } from '../../../src/store/metadata.js';
import { resolveImage as resolveInStore } from '../../../src/store/resolve.js';
import { GraphRootBuilder } from '../../support/graph-root.js';
import { makeTempDir, removeTempDirs } from '../../support/process.js';

const hex = (c: string): string => c.repeat(64);
const NO_SUCH = (name: string) => ({ code: 'MANIFEST_UNKNOWN', message: `No such image: ${name}` });

describe('resolveName: docker daemon order over any index', () => {
  const images = [
    { id: `sha256:${hex('a')}`, tags: ['docker.io/library/alpine:latest'], digests: [`docker.io/library/alpine@sha256:${hex('d')}`] },
    { id: `sha256:ab${hex('b').slice(2)}`, tags: ['docker.io/library/abc:latest'], digests: [] },
    { id: `sha256:ab${hex('c').slice(2)}`, tags: [], digests: [] },
  ];
  const index: NameIndex<(typeof images)[number]> = {
    byId: (id) => images.find((i) => i.id === id),
    byTag: (tag) => images.find((i) => i.tags.includes(tag)),
    byDigest: (repository, digest) => images.find((i) => i.digests.includes(`${repository}@${digest}`)),
    byIdPrefix: (prefix) => images.filter((i) => i.id.slice(7).startsWith(prefix)),
  };

  it('full ID, tag (latest by default), digest with the tag beside it ignored, unique prefix', () => {
    assert.equal(resolveName(index, `sha256:${hex('a')}`).image, images[0]);
    assert.deepEqual(resolveName(index, 'alpine'), { image: images[0], tag: 'docker.io/library/alpine:latest' });
    assert.deepEqual(resolveName(index, `alpine:3@sha256:${hex('d')}`), { image: images[0], digestReference: `docker.io/library/alpine@sha256:${hex('d')}` });
    assert.equal(resolveName(index, 'aaaa').image, images[0]);
  });

  it('a short hex that is also a name finds the name first; an ambiguous prefix is an error', () => {
    assert.equal(resolveName(index, 'abc').image, images[1]);
    assert.throws(() => resolveName(index, 'ab'), { code: 'REFERENCE_INVALID', message: 'short ID ab is ambiguous: it matches 2 images' });
  });

  it('what nothing answers to is the one No such image', () => {
    for (const name of ['nope:1', `sha256:${hex('e')}`, 'eeee', `alpine@sha256:${hex('e')}`, 'UPPER'])
      assert.throws(() => resolveName(index, name), NO_SUCH(name));
  });
});

describe('the local store and a Docker root answer the same names with the same error', () => {
  after(removeTempDirs);

  it('No such image: MANIFEST_UNKNOWN in both (a Docker root said PATH_NOT_FOUND)', async () => {
    const root = join(await makeTempDir('stowage-catalog-resolve-'), 'docker');
    const builder = new GraphRootBuilder(root);
    const layer = await builder.layer(undefined, 'base', { 'a.txt': 'a' });
    const alpine = await builder.image([layer], ['alpine:latest', `alpine@sha256:${hex('d')}`]);
    const { view } = await openDockerRoot({ dockerRoot: root });
    const metadata: StoreMetadata = {
      version: 1,
      images: {
        [`sha256:${hex('f')}`]: {
          id: alpine.id,
          manifest: { digest: `sha256:${hex('f')}`, mediaType: 'application/vnd.oci.image.manifest.v1+json', size: 1 },
          config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: alpine.id, size: alpine.config.length },
          layers: [],
          diffIds: [],
          repoDigests: [`docker.io/library/alpine@sha256:${hex('d')}`],
          pulled: '2024-01-01T00:00:00Z',
          platform: { os: 'linux', architecture: 'amd64' },
        },
      },
      tags: { 'docker.io/library/alpine:latest': `sha256:${hex('f')}` },
    };
    const names = ['alpine', 'docker.io/library/alpine:latest', alpine.id, alpine.id.slice(7, 19), `alpine@sha256:${hex('d')}`, `alpine:3@sha256:${hex('d')}`];
    for (const name of names) {
      assert.equal(resolveInRoot(view, name).id, alpine.id, `docker root: ${name}`);
      assert.equal(resolveInStore(metadata, name).image.id, alpine.id, `store: ${name}`);
    }
    for (const name of ['nope:1', `alpine@sha256:${hex('e')}`, 'eeee']) {
      assert.throws(() => resolveInRoot(view, name), NO_SUCH(name));
      assert.throws(() => resolveInStore(metadata, name), NO_SUCH(name));
    }
  });
});
