import { Digest } from '../../digest/digest.js';
import { StowageError, isStowageError } from '../../errors/error.js';
import type { Descriptor, ParsedManifest } from '../../oci/manifest.js';
import { isManifestMediaType } from '../../oci/media-types.js';
import type { StorageDriver } from '../../storage/driver.js';
import { statBlob } from './blobs.js';
import { layerLinkPath, revisionLinkPath } from './paths.js';
import { useFile } from './quarantine.js';

/** What a descriptor may point at in the repository: a blob (layer link), a manifest (revision), or either. */
type Target = 'blob' | 'manifest' | 'any';

/**
 * Checks that everything a manifest points at is in the repository, is what it is said to be,
 * and has the size it is said to have, so that nothing is stored that a puller cannot read:
 *  - config and layers must be blobs of the repository (distribution's schema2/ocischema
 *    handlers stat them in the repository's blob store, which holds `_layers` links only);
 *    foreign layers that carry `urls` are fetched elsewhere and not checked;
 *  - an index entry with a manifest media type must be a manifest of the repository
 *    (a revision: what GET /manifests/<digest> serves); an entry of another type may be either;
 *  - each descriptor's size must be the content's size: skopeo and containerd refuse content
 *    whose length differs from its descriptor, so the image would be unpullable.
 * The `subject` is not checked: it may be pushed later (spec, "Pushing Manifests with Subject").
 * Missing content is MANIFEST_BLOB_UNKNOWN, a wrong size MANIFEST_INVALID, each naming the digest.
 */
export async function checkManifestReferences(driver: StorageDriver, name: string, parsed: ParsedManifest): Promise<void> {
  const required: Array<{ descriptor: Descriptor; target: Target }> =
    parsed.kind === 'index'
      ? parsed.manifests.map((descriptor) => ({ descriptor, target: isManifestMediaType(descriptor.mediaType) ? 'manifest' : 'any' }))
      : [...(parsed.config ? [parsed.config] : []), ...parsed.layers.filter((layer) => !layer.urls?.length)].map((descriptor) => ({
          descriptor,
          target: 'blob',
        }));
  const sizes = await Promise.all(required.map(({ descriptor, target }) => sizeOf(driver, name, Digest.parse(descriptor.digest), target)));

  const missing = required.filter((_, i) => sizes[i] === undefined).map(({ descriptor }) => descriptor.digest);
  if (missing.length > 0) {
    const what = parsed.kind === 'index' ? 'manifest' : 'blob';
    throw new StowageError(
      'MANIFEST_BLOB_UNKNOWN',
      `manifest references ${missing.length === 1 ? `a ${what}` : `${missing.length} ${what}s`} unknown to the repository: ${missing[0]}`,
      { digest: missing[0], digests: missing },
    );
  }
  const wrong = required.findIndex(({ descriptor }, i) => sizes[i] !== descriptor.size);
  const entry = required[wrong];
  if (entry) {
    const { digest, size } = entry.descriptor;
    throw new StowageError(
      'MANIFEST_INVALID',
      `manifest says ${digest} has ${size} bytes, but the repository's content under that digest has ${sizes[wrong]}`,
      { digest, size, actual: sizes[wrong] },
    );
  }
}

/**
 * The size of the content a descriptor points at, if the repository links it as `target`.
 * The link and the blob are used (quarantine.ts useFile): the manifest about to be stored
 * references them, so a garbage collection running now keeps them (collect.ts).
 */
async function sizeOf(driver: StorageDriver, name: string, digest: Digest, target: Target): Promise<number | undefined> {
  const linked =
    (target !== 'manifest' && (await useFile(driver, layerLinkPath(name, digest))) !== undefined) ||
    (target !== 'blob' && (await useFile(driver, revisionLinkPath(name, digest))) !== undefined);
  if (!linked) return undefined;
  try {
    return (await statBlob(driver, digest)).size;
  } catch (err) {
    // A link whose data is gone (collected by another process) is no content.
    if (isStowageError(err, 'BLOB_UNKNOWN')) return undefined;
    throw err;
  }
}
