import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { StoredImage, StoreMetadata } from '../../../src/store/metadata.js';
import { removeImage } from '../../../src/store/removal.js';
import { resolveImage } from '../../../src/store/resolve.js';

const D = `sha256:${'d'.repeat(64)}`;
const ID = `sha256:${'1'.repeat(64)}`;
const OTHER = `sha256:${'e'.repeat(64)}`;

function image(repoDigests: string[], manifest = D, id = ID): StoredImage {
  return {
    id,
    manifest: { digest: manifest, mediaType: 'application/vnd.oci.image.manifest.v1+json', size: 1 },
    config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: id, size: 1 },
    layers: [],
    diffIds: [],
    repoDigests,
    pulled: '2024-01-01T00:00:00Z',
    platform: { os: 'linux', architecture: 'amd64' },
  };
}

function store(tags: string[], repoDigests: string[]): StoreMetadata {
  return { version: 1, images: { [D]: image(repoDigests) }, tags: Object.fromEntries(tags.map((t) => [t, D])) };
}

describe('NAME@DIGEST names an image in that repository only', () => {
  it('matches a repo digest, or the manifest digest with a tag in the repository', () => {
    const metadata = store(['docker.io/b/y:1'], [`docker.io/a/x@${D}`]);
    assert.equal(resolveImage(metadata, `a/x@${D}`).digestReference, `docker.io/a/x@${D}`);
    assert.equal(resolveImage(metadata, `b/y@${D}`).digestReference, `docker.io/b/y@${D}`);
    assert.throws(() => resolveImage(metadata, `c/z@${D}`), { code: 'MANIFEST_UNKNOWN', message: `No such image: c/z@${D}` });
    assert.throws(() => resolveImage(metadata, `a/x@${OTHER}`), { code: 'MANIFEST_UNKNOWN' });
    // By manifest digest alone it is still the image.
    assert.equal(resolveImage(metadata, D).image.id, ID);
  });

  it("rmi of another repository's NAME@DIGEST removes nothing", () => {
    const metadata = store(['docker.io/a/x:1', 'docker.io/a/x:2'], [`docker.io/a/x@${D}`]);
    const before = structuredClone(metadata);
    assert.throws(() => removeImage(metadata, `c/z@${D}`, true), { code: 'MANIFEST_UNKNOWN' });
    assert.deepEqual(metadata, before);
  });

  it('rmi of a recorded repo digest untags that reference and keeps every tag', () => {
    const metadata = store(['docker.io/a/x:1', 'docker.io/b/y:1'], [`docker.io/a/x@${D}`, `docker.io/b/y@${D}`]);
    assert.deepEqual(removeImage(metadata, `a/x@${D}`, false), [{ untagged: `a/x@${D}` }]);
    assert.deepEqual(Object.keys(metadata.tags), ['docker.io/a/x:1', 'docker.io/b/y:1']);
    assert.deepEqual(metadata.images[D]?.repoDigests, [`docker.io/b/y@${D}`]);
  });

  it("rmi of an unrecorded NAME@DIGEST untags that repository's tags, no other", () => {
    const metadata = store(['docker.io/a/x:1', 'docker.io/b/y:1', 'docker.io/b/y:2'], [`docker.io/a/x@${D}`]);
    assert.deepEqual(removeImage(metadata, `b/y@${D}`, false), [{ untagged: 'b/y:1' }, { untagged: 'b/y:2' }]);
    assert.deepEqual(Object.keys(metadata.tags), ['docker.io/a/x:1']);
    assert.ok(metadata.images[D]);
  });

  it('the image is deleted when no tag and no repo digest remain', () => {
    const metadata = store([], [`docker.io/a/x@${D}`]);
    assert.deepEqual(removeImage(metadata, `a/x@${D}`, false), [{ untagged: `a/x@${D}` }, { deleted: ID }]);
    assert.deepEqual(metadata.images, {});
  });

  it('removing by ID still untags everything and deletes', () => {
    const metadata = store(['docker.io/a/x:1'], [`docker.io/a/x@${D}`]);
    assert.deepEqual(removeImage(metadata, ID, false), [{ untagged: 'a/x:1' }, { untagged: `a/x@${D}` }, { deleted: ID }]);
  });
});
