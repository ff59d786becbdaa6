import { mkdtemp, rm } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import type { Readable } from 'node:stream';
import { StowageError } from '../errors/error.js';
import type { Descriptor } from '../oci/descriptor.js';
import { writeDirectoryArchive } from './archive-writer.js';
import { TEMP_PREFIX } from './atomic-file.js';
import { ArchiveFiles } from './layout-files.js';
import { LayoutSource, readLayoutIndex, selectEntry } from './layout-source.js';
import { OciLayoutSink, type OciLayoutSinkOptions } from './oci-layout.js';
import { TarIndex } from './tar-index.js';
import type { ImageSink, ManifestBytes } from './types.js';

/** `oci-archive:FILE[:REF]`: an OCI image layout in a tar, read in place (no extraction). */
export class OciArchiveSource extends LayoutSource {
  static async open(file: string, ref?: string): Promise<OciArchiveSource> {
    const files = new ArchiveFiles(await TarIndex.open(file));
    const top = selectEntry(await readLayoutIndex(files), ref, file, `oci-archive:${file}:REF`);
    return new OciArchiveSource(files, ref === undefined ? `oci-archive:${file}` : `oci-archive:${file}:${ref}`, top);
  }
}

/**
 * A layout built in a temporary directory, written out as a tar at commit. The directory is
 * made beside the output file, not in os.tmpdir(): a multi-GB image then uses the disk the
 * user chose for it (tmpdir is often a small tmpfs) and nothing crosses filesystems.
 */
export class LayoutArchiveBuilder {
  readonly layout: OciLayoutSink;
  readonly workDir: string;
  private readonly file: string;

  private constructor(file: string, workDir: string, layout: OciLayoutSink) {
    this.file = file;
    this.workDir = workDir;
    this.layout = layout;
  }

  static async create(file: string, ref: string | undefined, options: OciLayoutSinkOptions = {}): Promise<LayoutArchiveBuilder> {
    const absolute = resolve(file);
    const workDir = await mkdtemp(join(dirname(absolute), `${TEMP_PREFIX}${basename(absolute).slice(0, 32)}-`)).catch(
      (err: NodeJS.ErrnoException) => {
        if (err.code !== 'ENOENT' && err.code !== 'ENOTDIR') throw err;
        throw new StowageError('PATH_NOT_FOUND', `cannot write ${file}: ${dirname(file)} is not a directory`);
      },
    );
    try {
      return new LayoutArchiveBuilder(absolute, workDir, await OciLayoutSink.create(workDir, ref, options));
    } catch (err) {
      await rm(workDir, { recursive: true, force: true });
      throw err;
    }
  }

  /** Commits the layout and writes the archive; the previous file (if any) is replaced atomically. */
  async write(): Promise<void> {
    await this.layout.commit();
    await writeDirectoryArchive(this.workDir, this.file);
  }

  async discard(): Promise<void> {
    await this.layout.close();
    await rm(this.workDir, { recursive: true, force: true });
  }
}

/**
 * Writes `oci-archive:FILE[:REF]`. Like skopeo, the archive is written anew: an existing file
 * is replaced (atomically, at commit), not added to.
 */
export class OciArchiveSink implements ImageSink {
  readonly name: string;
  private readonly builder: LayoutArchiveBuilder;

  private constructor(name: string, builder: LayoutArchiveBuilder) {
    this.name = name;
    this.builder = builder;
  }

  static async create(file: string, ref?: string): Promise<OciArchiveSink> {
    const builder = await LayoutArchiveBuilder.create(file, ref);
    return new OciArchiveSink(ref === undefined ? `oci-archive:${file}` : `oci-archive:${file}:${ref}`, builder);
  }

  hasBlob(descriptor: Descriptor): Promise<boolean> {
    return this.builder.layout.hasBlob(descriptor);
  }

  putBlob(descriptor: Descriptor, stream: Readable): Promise<void> {
    return this.builder.layout.putBlob(descriptor, stream);
  }

  putManifest(manifest: ManifestBytes, options: { top: boolean }): Promise<void> {
    return this.builder.layout.putManifest(manifest, options);
  }

  commit(): Promise<void> {
    return this.builder.write();
  }

  close(): Promise<void> {
    return this.builder.discard();
  }
}
