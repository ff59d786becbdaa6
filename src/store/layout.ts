import { join } from 'node:path';
import { Digest } from '../digest/digest.js';

/**
 * The store's on-disk layout, in one place. The root is an OCI image layout (image-layout.md)
 * that other OCI tools read as `oci:ROOT:REF`; Stowage's own state sits beside it in `stowage/`:
 *
 *   oci-layout, index.json              the OCI layout (index.json regenerated from images.json)
 *   blobs/<alg>/<hex>                   every manifest, config and layer, once
 *   stowage/images.json                 the truth: images by manifest digest, tags → manifest
 *   stowage/lock                        held while images.json, index.json or blobs/ change
 *   stowage/staging/<pid>-<random>/     one operation's blobs until it commits (see staging.ts)
 *   stowage/layers/<chain-id hex>/      unpacked layer directories, shared by chain ID
 *   stowage/layers/.tmp-<pid>-<random>/ a layer being unpacked, renamed into place when complete
 *   stowage/tmp/<pid>-<random>/         scratch of one save (to stdout) or load (from stdin)
 */
export class StoreLayout {
  constructor(readonly root: string) {}

  get ociLayout(): string {
    return join(this.root, 'oci-layout');
  }
  get indexJson(): string {
    return join(this.root, 'index.json');
  }
  get blobsDir(): string {
    return join(this.root, 'blobs');
  }
  blob(digest: Digest | string): string {
    const text = digest.toString();
    const colon = text.indexOf(':');
    return join(this.root, 'blobs', text.slice(0, colon), text.slice(colon + 1));
  }
  get stateDir(): string {
    return join(this.root, 'stowage');
  }
  get imagesJson(): string {
    return join(this.stateDir, 'images.json');
  }
  get lockFile(): string {
    return join(this.stateDir, 'lock');
  }
  get stagingDir(): string {
    return join(this.stateDir, 'staging');
  }
  get layersDir(): string {
    return join(this.stateDir, 'layers');
  }
  /**
   * The directory of an unpacked layer stack. Only a valid digest names one (its hex part, which
   * cannot hold a `/` or `..`): a chain ID comes from an image config, which anyone can write.
   */
  layer(chainId: Digest | string): string {
    const digest = typeof chainId === 'string' ? Digest.parse(chainId) : chainId;
    return join(this.layersDir, digest.hex);
  }
  /** Scratch space for one operation that needs a file of an image's size (save, load). */
  get tmpDir(): string {
    return join(this.stateDir, 'tmp');
  }
}
