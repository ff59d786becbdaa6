import type { Command } from 'commander';
import { createReadStream, rmSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { plainArchive } from '../compression/plain-archive.js';
import { namePath } from '../errors/errno-words.js';
import { StowageError } from '../errors/error.js';
import { familiarString, formatReference, parseReference, tryParseReference } from '../reference/reference.js';
import type { ImageStore } from '../store/store.js';
import type { ImageRecord } from '../store/types.js';
import { copyImage } from '../transport/copy.js';
import { DockerArchiveSource, DockerArchiveWriter } from '../transport/docker-archive.js';
import { IMAGE_NAME_ANNOTATION, imageNameAnnotations, normaliseArchiveName, parseManifestJson, savedTag } from '../transport/docker-manifest-json.js';
import { ArchiveFiles } from '../transport/layout-files.js';
import { readLayoutIndex, REF_NAME_ANNOTATION } from '../transport/layout-source.js';
import { LayoutArchiveBuilder, OciArchiveSource } from '../transport/oci-archive.js';
import { TarIndex } from '../tar/file-index.js';
import type { ImageSink, ImageSource } from '../transport/types.js';
import { openStore } from './store-access.js';

/**
 * `stowage save IMAGE... [-o FILE] [--format docker|oci]`: the `docker save` format (or an OCI
 * archive), every image named in one archive, layers they share stored once. To stdout when no
 * -o is given and stdout is not a terminal, as docker does. An archive needs seeking to write,
 * so one for stdout is built in a scratch directory under the store root (the store's
 * filesystem holds the images already; the system's tmpdir is often a small tmpfs), removed
 * afterwards; one a killed save leaves, `system prune` removes.
 */
export async function save(names: string[], options: Record<string, unknown>, command: Command): Promise<void> {
  const output = options.output as string | undefined;
  if (!output && process.stdout.isTTY) throw new StowageError('UNSUPPORTED', 'cowardly refusing to write an archive to a terminal: use -o FILE or redirect');
  if (output) namePath(output, { label: `save -o ${output}`, expected: 'a file name for the archive' });
  const store = await openStore(options, command);
  const images = await savedImages(store, names);
  const scratch = new Scratch(store);
  try {
    const file = output ?? join(await scratch.make(), 'image.tar');
    const archive = await openArchiveWriter(file, options.format === 'oci');
    try {
      for (const { image, tag } of images) await copyImage(store.source(image), archive.image(tag));
      await archive.write();
    } finally {
      await archive.discard();
    }
    if (!output) await pipeline(createReadStream(file), process.stdout);
  } finally {
    await scratch.remove();
  }
}

/**
 * The images `docker save NAME...` writes, each with the tag it is saved under (moby
 * tarexport/save.go parseNames): a bare repository name is every tag of it; NAME:TAG that tag;
 * an ID or NAME@DIGEST the image untagged (docker load then answers with its ID).
 */
async function savedImages(store: ImageStore, names: string[]): Promise<Array<{ image: ImageRecord; tag: string | undefined }>> {
  const result: Array<{ image: ImageRecord; tag: string | undefined }> = [];
  const add = (image: ImageRecord, tag: string | undefined): void => {
    if (!result.some((r) => r.image.manifest.digest === image.manifest.digest && r.tag === tag)) result.push({ image, tag });
  };
  for (const name of names) {
    const reference = tryParseReference(name);
    const nameOnly = reference !== undefined && !name.includes('@') && !/:[^/]*$/.test(name);
    if (nameOnly) {
      const repository = formatReference({ domain: reference.domain, path: reference.path });
      const tagged = (await store.list()).flatMap((image) => image.repoTags.filter((t) => normalise(t).startsWith(`${repository}:`)).map((t) => ({ image, tag: familiarString(parseReference(t)) })));
      if (tagged.length > 0) {
        tagged.sort((a, b) => (a.tag < b.tag ? -1 : 1)).forEach(({ image, tag }) => add(image, tag));
        continue;
      }
    }
    const image = await store.resolve(name);
    add(image, savedTag(name, image.repoTags));
  }
  return result;
}

/** The archive save writes: docker-archive, or with --format oci an OCI archive named as Docker 25+ names images. */
async function openArchiveWriter(file: string, oci: boolean): Promise<{ image(tag: string | undefined): ImageSink; write(): Promise<void>; discard(): Promise<void> }> {
  if (!oci) {
    const writer = await DockerArchiveWriter.create(file);
    return { image: (tag) => writer.image(`docker-archive:${file}${tag ? `:${tag}` : ''}`, tag), write: () => writer.write(), discard: () => writer.discard() };
  }
  const builder = await LayoutArchiveBuilder.create(file);
  return { image: (tag) => builder.image(`oci-archive:${file}`, tag === undefined ? {} : imageNameAnnotations(parseReference(tag))), write: () => builder.write(), discard: () => builder.discard() };
}

/**
 * `stowage load [-i FILE]`: every image of a docker-archive (as `docker save` writes it) or OCI
 * archive, plain or compressed with gzip, zstd, bzip2 or xz (as docker load takes them). A
 * compressed archive, or one on stdin, is first written out plain to a scratch directory under
 * the store root (an archive is read by seeking), as for save.
 */
export async function load(options: Record<string, unknown>, command: Command): Promise<void> {
  const input = options.input as string | undefined;
  if (!input && process.stdin.isTTY) throw new StowageError('UNSUPPORTED', 'requested load from stdin, but stdin is empty: use -i FILE or redirect');
  if (input) namePath(input, { label: `load -i ${input}`, expected: 'an archive file' });
  const store = await openStore(options, command);
  const scratch = new Scratch(store);
  try {
    const { file } = await plainArchive(input ?? process.stdin, () => scratch.make());
    for (const { open, tags } of await archiveImages(file, input ?? 'standard input')) {
      const source = await open();
      const sink = await store.sink({ tags, repoDigests: [] });
      try {
        const result = await copyImage(source, sink);
        const image = await store.resolve(result.digest.toString());
        if (tags.length === 0) process.stdout.write(`Loaded image ID: ${image.id}\n`);
        for (const tag of tags) process.stdout.write(`Loaded image: ${familiarString(parseReference(tag))}\n`);
      } finally {
        await sink.close();
        await source.close();
      }
    }
  } finally {
    await scratch.remove();
  }
}

/** The images an archive holds, with the tags `docker load` would give them. */
async function archiveImages(file: string, label: string): Promise<Array<{ open: () => Promise<ImageSource>; tags: string[] }>> {
  const files = new ArchiveFiles(await TarIndex.open(file));
  const manifestJson = await files.read('manifest.json', 16 << 20);
  if (manifestJson) {
    return parseManifestJson(manifestJson, label).map((entry, index) => ({
      open: () => DockerArchiveSource.open(file, `@${index}`),
      tags: (entry.RepoTags ?? []).map((t) => formatReference(parseReference(t))),
    }));
  }
  const entries = await readLayoutIndex(files);
  if (entries.length === 0) throw new StowageError('MANIFEST_UNKNOWN', `${label} holds no image`);
  return entries.map((entry, index) => {
    const name = entry.annotations?.[IMAGE_NAME_ANNOTATION] ?? entry.annotations?.[REF_NAME_ANNOTATION];
    const tag = name && /[/:]/.test(name) ? normaliseArchiveName(name) : undefined;
    return { open: () => OciArchiveSource.open(file, `@${index}`), tags: tag ? [tag] : [] };
  });
}

function normalise(tag: string): string {
  return normaliseArchiveName(tag) ?? tag;
}

/**
 * Scratch directories under the store root for one save or load, removed when it ends, also
 * when it is interrupted (Ctrl-C, kill): a 10 GB decompressed archive must not stay behind.
 * (One a SIGKILL leaves, `system prune` removes: its name holds the dead pid.)
 */
class Scratch {
  private readonly dirs: string[] = [];
  private readonly onSignal = (signal: NodeJS.Signals): void => {
    for (const dir of this.dirs) rmSync(dir, { recursive: true, force: true });
    this.unlisten();
    // Die of the signal as if no handler had caught it: the shell sees 130 / 143.
    process.kill(process.pid, signal);
  };

  constructor(private readonly store: ImageStore) {}

  async make(): Promise<string> {
    if (this.dirs.length === 0) for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.once(signal, this.onSignal);
    const dir = await this.store.scratch();
    this.dirs.push(dir);
    return dir;
  }

  async remove(): Promise<void> {
    this.unlisten();
    await Promise.all(this.dirs.map((dir) => rm(dir, { recursive: true, force: true })));
  }

  private unlisten(): void {
    for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.off(signal, this.onSignal);
  }
}
