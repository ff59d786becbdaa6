import { mkdtemp, rm } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import type { Readable } from 'node:stream';
import { StowageError } from '../errors/error.js';
import type { Descriptor } from '../oci/descriptor.js';
import { MediaType } from '../oci/media-types.js';
import { writeDirectoryArchive } from '../tar/pack-directory.js';
import { TEMP_PREFIX, writeFileAtomic } from '../fs/durable.js';
import { ArchiveFiles } from './layout-files.js';
import { LayoutSource, readLayoutIndex, REF_NAME_ANNOTATION, selectEntry } from './layout-source.js';
import { checkLayoutRef, OciLayoutSink } from './oci-layout.js';
import { TarIndex } from '../tar/file-index.js';
import type { ImageSink } from './types.js';
import type { ManifestBytes } from '../oci/manifest-bytes.js';

/** `oci-archive:FILE[:REF]`: an OCI image layout in a tar, read in place (no extraction). */
export class OciArchiveSource extends LayoutSource {
  static async open(file: string, ref?: string): Promise<OciArchiveSource> {
    const files = new ArchiveFiles(await TarIndex.open(file));
    const top = selectEntry(await readLayoutIndex(files), ref, file, `oci-archive:${file}:REF`);
    return new OciArchiveSource(files, ref === undefined ? `oci-archive:${file}` : `oci-archive:${file}:${ref}`, top);
  }
}

/**
 * An archive being built: an OCI layout in a temporary directory, written out as a tar at the
 * end. It holds one or more images (`save A B`), each put through its own sink (image()); blobs
 * they share are stored once. The directory is made beside the output file, not in os.tmpdir():
 * a multi-GB image then uses the disk the user chose for it (tmpdir is often a small tmpfs) and
 * nothing crosses filesystems.
 */
export class LayoutArchiveBuilder {
  readonly layout: OciLayoutSink;
  readonly workDir: string;
  private readonly file: string;
  /** index.json's entries, in the order the images were committed. */
  private readonly entries: Descriptor[] = [];

  private constructor(file: string, workDir: string, layout: OciLayoutSink) {
    this.file = file;
    this.workDir = workDir;
    this.layout = layout;
  }

  static async create(file: string): Promise<LayoutArchiveBuilder> {
    const absolute = resolve(file);
    const workDir = await mkdtemp(join(dirname(absolute), `${TEMP_PREFIX}${basename(absolute).slice(0, 32)}-`)).catch((err: NodeJS.ErrnoException) => {
      if (err.code !== 'ENOENT' && err.code !== 'ENOTDIR') throw err;
      throw new StowageError('PATH_NOT_FOUND', `cannot write ${file}: ${dirname(file)} is not a directory`);
    });
    try {
      return new LayoutArchiveBuilder(absolute, workDir, await OciLayoutSink.create(workDir));
    } catch (err) {
      await rm(workDir, { recursive: true, force: true });
      throw err;
    }
  }

  /**
   * A sink for one image of the archive. Its commit names the image in index.json with
   * `annotations` (the archive is written by write(), once every image is in); `onManifest`
   * sees every manifest put (the docker-archive sink builds manifest.json from them).
   */
  image(name: string, annotations: Record<string, string>, onManifest?: (manifest: ManifestBytes) => void): ImageSink {
    return new ArchiveImageSink(name, this, annotations, onManifest);
  }

  /** An index.json entry; one equal to an earlier entry (the same image saved twice by one name) is not repeated. */
  addEntry(entry: Descriptor): void {
    const same = (a: Descriptor): boolean => a.digest === entry.digest && JSON.stringify(a.annotations ?? {}) === JSON.stringify(entry.annotations ?? {});
    if (!this.entries.some(same)) this.entries.push(entry);
  }

  /** Writes index.json and the archive; the previous file (if any) is replaced atomically. */
  async write(): Promise<void> {
    if (this.entries.length === 0) throw new StowageError('INTERNAL', `${this.file}: no image was committed to the archive`);
    const index = { schemaVersion: 2, mediaType: MediaType.OCI_INDEX, manifests: this.entries };
    await writeFileAtomic(join(this.workDir, 'index.json'), Buffer.from(JSON.stringify(index)));
    await writeDirectoryArchive(this.workDir, this.file);
  }

  async discard(): Promise<void> {
    await this.layout.close();
    await rm(this.workDir, { recursive: true, force: true });
  }
}

/** One image of an archive being built: blobs and manifests go to the shared layout; commit names it in index.json. */
class ArchiveImageSink implements ImageSink {
  private top: Descriptor | undefined;

  constructor(
    readonly name: string,
    private readonly builder: LayoutArchiveBuilder,
    private readonly annotations: Record<string, string>,
    private readonly onManifest: ((manifest: ManifestBytes) => void) | undefined,
  ) {}

  hasBlob(descriptor: Descriptor): Promise<boolean> {
    return this.builder.layout.hasBlob(descriptor);
  }

  putBlob(descriptor: Descriptor, stream: Readable): Promise<void> {
    return this.builder.layout.putBlob(descriptor, stream);
  }

  async putManifest(manifest: ManifestBytes, options: { top: boolean }): Promise<void> {
    await this.builder.layout.putManifest(manifest, { top: false });
    this.onManifest?.(manifest);
    if (options.top) this.top = { mediaType: manifest.mediaType, digest: manifest.digest.toString(), size: manifest.bytes.length };
  }

  async commit(): Promise<void> {
    if (this.top === undefined) throw new StowageError('INTERNAL', `${this.name}: commit before the top manifest was put`);
    this.builder.addEntry(Object.keys(this.annotations).length > 0 ? { ...this.top, annotations: { ...this.annotations } } : { ...this.top });
  }

  async close(): Promise<void> {
    // The builder's owner discards the work directory.
  }
}

/** What a one-image archive sink needs of the archive being built: write it out, or throw it away. */
export interface ArchiveInProgress {
  write(): Promise<void>;
  discard(): Promise<void>;
}

/**
 * An archive of one image (oci-archive:, docker-archive:): the image's sink, with the archive
 * written at commit and its work directory removed at close.
 */
export class OneImageArchiveSink implements ImageSink {
  constructor(
    readonly name: string,
    private readonly image: ImageSink,
    private readonly archive: ArchiveInProgress,
  ) {}

  hasBlob(descriptor: Descriptor): Promise<boolean> {
    return this.image.hasBlob(descriptor);
  }

  putBlob(descriptor: Descriptor, stream: Readable): Promise<void> {
    return this.image.putBlob(descriptor, stream);
  }

  putManifest(manifest: ManifestBytes, options: { top: boolean }): Promise<void> {
    return this.image.putManifest(manifest, options);
  }

  async commit(): Promise<void> {
    await this.image.commit();
    await this.archive.write();
  }

  close(): Promise<void> {
    return this.archive.discard();
  }
}

/**
 * Writes `oci-archive:FILE[:REF]`. Like skopeo, the archive is written anew: an existing file
 * is replaced (atomically, at commit), not added to.
 */
export class OciArchiveSink extends OneImageArchiveSink {
  static async create(file: string, ref?: string): Promise<OciArchiveSink> {
    checkLayoutRef(ref);
    const builder = await LayoutArchiveBuilder.create(file);
    const annotations: Record<string, string> = ref !== undefined ? { [REF_NAME_ANNOTATION]: ref } : {};
    const name = ref === undefined ? `oci-archive:${file}` : `oci-archive:${file}:${ref}`;
    return new OciArchiveSink(name, builder.image(name, annotations), builder);
  }
}
