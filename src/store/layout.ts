import { join } from 'node:path';
import type { Digest } from '../digest/digest.js';

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
  layer(chainId: string): string {
    return join(this.layersDir, chainId.replace(/^sha256:/, ''));
  }
}
