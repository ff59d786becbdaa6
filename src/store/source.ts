import { createReadStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { Digest } from '../digest/digest.js';
import { StowageError } from '../errors/error.js';
import type { Descriptor } from '../oci/descriptor.js';
import type { ImageSource } from '../transport/types.js';
import type { ManifestBytes } from '../oci/manifest-bytes.js';
import type { StoreLayout } from './layout.js';
import type { ImageRecord } from './types.js';

/** One image of the local store as a copy source (push, save). */
export class StoreSource implements ImageSource {
  readonly name: string;

  constructor(
    private readonly layout: StoreLayout,
    private readonly image: ImageRecord,
  ) {
    this.name = `store:${image.repoTags[0] ?? image.id}`;
  }

  async getManifest(digest?: Digest): Promise<ManifestBytes> {
    const wanted = digest?.toString() ?? this.image.manifest.digest;
    if (wanted !== this.image.manifest.digest) throw new StowageError('MANIFEST_UNKNOWN', `manifest ${wanted} is not part of ${this.name}`);
    const bytes = await readFile(this.layout.blob(wanted)).catch(() => {
      throw new StowageError('MANIFEST_UNKNOWN', `manifest ${wanted} is missing from the store; run stowage system check`);
    });
    const actual = Digest.of(bytes);
    if (actual.toString() !== wanted) throw new StowageError('DIGEST_INVALID', `manifest ${wanted} in the store is damaged; run stowage system check`);
    return { bytes, mediaType: this.image.manifest.mediaType, digest: actual };
  }

  async getBlob(descriptor: Descriptor): Promise<Readable> {
    const path = this.layout.blob(descriptor.digest);
    const stream = createReadStream(path, { highWaterMark: 1024 * 1024 });
    await new Promise<void>((resolve, reject) => {
      stream.once('open', () => resolve());
      stream.once('error', (err: NodeJS.ErrnoException) =>
        reject(err.code === 'ENOENT' ? new StowageError('BLOB_UNKNOWN', `blob ${descriptor.digest} is missing from the store; run stowage system check`) : err),
      );
    });
    return stream;
  }

  async close(): Promise<void> {}
}
