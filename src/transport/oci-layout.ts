import { mkdir, readFile, stat, unlink } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Readable } from 'node:stream';
import { Digest, Digester } from '../digest/index.js';
import { StowageError } from '../errors/error.js';
import type { Descriptor } from '../oci/descriptor.js';
import { MediaType } from '../oci/media-types.js';
import { streamToFileAtomic, tempPathBeside, writeFileAtomic } from '../fs/durable.js';
import { DirectoryFiles } from './layout-files.js';
import { blobPath, checkLayoutMarker, LayoutSource, readLayoutIndex, REF_NAME_ANNOTATION, selectEntry } from './layout-source.js';
import type { ImageSink } from './types.js';
import type { ManifestBytes } from '../oci/manifest-bytes.js';

/** `oci:DIR[:REF]`: an OCI image layout directory (oci-image/image-layout.md). */
export class OciLayoutSource extends LayoutSource {
  static async open(dir: string, ref?: string): Promise<OciLayoutSource> {
    const files = new DirectoryFiles(dir);
    const top = selectEntry(await readLayoutIndex(files), ref, dir, `oci:${dir}:REF`);
    return new OciLayoutSource(files, ref === undefined ? `oci:${dir}` : `oci:${dir}:${ref}`, top);
  }
}

// annotations.md, org.opencontainers.image.ref.name: component ("/" component)*.
const REF_NAME = /^[A-Za-z0-9]+(?:(?:[-._:@+]|--)[A-Za-z0-9]+)*(?:\/[A-Za-z0-9]+(?:(?:[-._:@+]|--)[A-Za-z0-9]+)*)*$/;

export interface OciLayoutSinkOptions {
  /** More annotations for the index.json entry (docker-archive adds io.containerd.image.name). */
  annotations?: Record<string, string>;
}

/** REFERENCE_INVALID unless `ref` is a valid org.opencontainers.image.ref.name (or absent). */
export function checkLayoutRef(ref: string | undefined): void {
  if (ref !== undefined && (ref.length > 255 || !REF_NAME.test(ref))) {
    throw new StowageError(
      'REFERENCE_INVALID',
      `invalid OCI layout ref ${JSON.stringify(ref.slice(0, 100))}: letters and digits separated by one of -._:@+ or --, in /-separated components`,
    );
  }
}

/**
 * Writes into an OCI layout directory, creating it if needed; an existing layout is added to
 * (its other refs kept), as skopeo does. Blobs become visible only complete and verified
 * (temp file, fsync, rename); the image becomes visible only at commit, when index.json is
 * replaced atomically. Two sinks committing to one directory at once may lose one entry:
 * index.json has no lock, as in skopeo.
 */
export class OciLayoutSink implements ImageSink {
  readonly name: string;
  readonly dir: string;
  private readonly ref: string | undefined;
  private readonly annotations: Record<string, string>;
  private readonly temps = new Set<string>();
  private top: Descriptor | undefined;

  private constructor(dir: string, ref: string | undefined, annotations: Record<string, string>) {
    this.dir = dir;
    this.ref = ref;
    this.annotations = annotations;
    this.name = ref === undefined ? `oci:${dir}` : `oci:${dir}:${ref}`;
  }

  static async create(dir: string, ref?: string, options: OciLayoutSinkOptions = {}): Promise<OciLayoutSink> {
    checkLayoutRef(ref);
    await mkdir(join(dir, 'blobs'), { recursive: true });
    const marker = await readFile(join(dir, 'oci-layout')).catch((err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT') return undefined;
      throw err;
    });
    // Adding to a layout of a version we do not know could corrupt it: refuse instead.
    if (marker !== undefined) checkLayoutMarker(marker, dir);
    else await writeFileAtomic(join(dir, 'oci-layout'), Buffer.from('{"imageLayoutVersion":"1.0.0"}'));
    return new OciLayoutSink(dir, ref, options.annotations ?? {});
  }

  async hasBlob(descriptor: Descriptor): Promise<boolean> {
    try {
      const info = await stat(this.blobFile(Digest.parse(descriptor.digest)));
      return info.isFile() && info.size === descriptor.size;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
      throw err;
    }
  }

  async putBlob(descriptor: Descriptor, stream: Readable): Promise<void> {
    const digest = Digest.parse(descriptor.digest);
    const path = this.blobFile(digest);
    // The stream may fail while we prepare the file; the pipeline still sees that error
    // (stream.errored), but without a listener meanwhile it would be an uncaught exception.
    const ignore = (): void => undefined;
    stream.on('error', ignore);
    const temp = tempPathBeside(path);
    this.temps.add(temp);
    try {
      await mkdir(dirname(path), { recursive: true });
      // A content-addressed layout must never hold bytes under the wrong name, whoever calls
      // us: verify here unless the stream is itself a verifier of this digest (the copier's).
      const verified = stream instanceof Digester && stream.verifies(digest, descriptor.size);
      const checks = verified ? [] : [new Digester({ expected: digest, expectedSize: descriptor.size })];
      await streamToFileAtomic(stream, checks, temp, path);
    } catch (err) {
      stream.destroy();
      throw err;
    } finally {
      stream.off('error', ignore);
      this.temps.delete(temp);
    }
  }

  async putManifest(manifest: ManifestBytes, options: { top: boolean }): Promise<void> {
    const actual = Digest.of(manifest.bytes, manifest.digest.algorithm);
    if (!actual.equals(manifest.digest)) {
      throw new StowageError('DIGEST_INVALID', `manifest bytes have digest ${actual}, not ${manifest.digest}`);
    }
    const path = this.blobFile(manifest.digest);
    await mkdir(dirname(path), { recursive: true });
    await writeFileAtomic(path, manifest.bytes);
    if (options.top) {
      this.top = { mediaType: manifest.mediaType, digest: manifest.digest.toString(), size: manifest.bytes.length };
    }
  }

  async commit(): Promise<void> {
    if (this.top === undefined) throw new StowageError('INTERNAL', `${this.name}: commit before the top manifest was put`);
    const path = join(this.dir, 'index.json');
    const index = await this.readIndexJson(path);
    const entry: Descriptor = { ...this.top };
    const annotations = { ...this.annotations, ...(this.ref !== undefined ? { [REF_NAME_ANNOTATION]: this.ref } : {}) };
    if (Object.keys(annotations).length > 0) entry.annotations = annotations;
    const manifests = (index.manifests ?? []) as Descriptor[];
    if (this.ref !== undefined) {
      // One ref names one image: an earlier entry of the same name is replaced, like a tag.
      index.manifests = [...manifests.filter((m) => m.annotations?.[REF_NAME_ANNOTATION] !== this.ref), entry];
    } else if (!manifests.some((m) => m.digest === entry.digest)) {
      index.manifests = [...manifests, entry];
    }
    await writeFileAtomic(path, Buffer.from(JSON.stringify(index)));
  }

  async close(): Promise<void> {
    // Blobs already renamed stay: content-addressed, so harmless (skopeo leaves them too).
    await Promise.all([...this.temps].map((temp) => unlink(temp).catch(() => undefined)));
    this.temps.clear();
  }

  private blobFile(digest: Digest): string {
    return join(this.dir, blobPath(digest));
  }

  /** The existing index.json with its unknown fields kept, or a new one. A broken one is an error, never overwritten. */
  private async readIndexJson(path: string): Promise<Record<string, unknown>> {
    let bytes: Buffer;
    try {
      bytes = await readFile(path);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      return { schemaVersion: 2, mediaType: MediaType.OCI_INDEX, manifests: [] };
    }
    // Validated as readers will validate it, so an unreadable layout is not made worse.
    await readLayoutIndex(new DirectoryFiles(this.dir));
    return JSON.parse(bytes.toString('utf8')) as Record<string, unknown>;
  }
}
