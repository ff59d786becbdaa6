import type { Command } from 'commander';
import { createReadStream, createWriteStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { StowageError } from '../errors/error.js';
import { familiarString, formatReference, parseReference } from '../reference/reference.js';
import { copyImage } from '../transport/copy.js';
import { DockerArchiveSink, DockerArchiveSource } from '../transport/docker-archive.js';
import { parseManifestJson } from '../transport/docker-manifest-json.js';
import { ArchiveFiles } from '../transport/layout-files.js';
import { readLayoutIndex, REF_NAME_ANNOTATION } from '../transport/layout-source.js';
import { OciArchiveSink, OciArchiveSource } from '../transport/oci-archive.js';
import { TarIndex } from '../transport/tar-index.js';
import type { ImageSink, ImageSource } from '../transport/types.js';
import { openStore } from './store-access.js';

/**
 * `stowage save IMAGE [-o FILE] [--format docker|oci]`: the `docker save` format (or an OCI
 * archive). To stdout when no -o is given and stdout is not a terminal, as docker does. An
 * archive needs seeking to write, so one for stdout is built in a scratch directory under the
 * store root (the store's filesystem holds the image already; the system's tmpdir is often a
 * small tmpfs), removed afterwards; one a killed save leaves, `system prune` removes.
 */
export async function save(images: string[], options: Record<string, unknown>, command: Command): Promise<void> {
  if (images.length !== 1) throw new StowageError('UNSUPPORTED', 'stowage save writes one image per archive for now: name exactly one');
  const [name] = images as [string];
  const output = options.output as string | undefined;
  if (!output && process.stdout.isTTY) throw new StowageError('UNSUPPORTED', 'cowardly refusing to write an archive to a terminal: use -o FILE or redirect');
  const store = await openStore(options, command);
  const image = await store.resolve(name);
  const scratch = output ? undefined : await store.scratch();
  const file = output ?? join(scratch as string, 'image.tar');
  try {
    const tag = image.repoTags.find((t) => t === safeFormat(name)) ?? image.repoTags[0];
    const sink: ImageSink = options.format === 'oci' ? await OciArchiveSink.create(file, tag ? parseReference(tag).tag : undefined) : await DockerArchiveSink.create(file, tag ? familiarString(parseReference(tag)) : undefined);
    const source = store.source(image);
    try {
      await copyImage(source, sink);
    } finally {
      await sink.close();
    }
    if (!output) await pipeline(createReadStream(file), process.stdout);
  } finally {
    if (scratch) await rm(scratch, { recursive: true, force: true });
  }
}

/**
 * `stowage load [-i FILE]`: every image of a docker-archive (as `docker save` writes it) or OCI
 * archive. From stdin, the archive is first copied to a scratch directory under the store root
 * (an archive is read by seeking), as for save.
 */
export async function load(options: Record<string, unknown>, command: Command): Promise<void> {
  const input = options.input as string | undefined;
  if (!input && process.stdin.isTTY) throw new StowageError('UNSUPPORTED', 'requested load from stdin, but stdin is empty: use -i FILE or redirect');
  const store = await openStore(options, command);
  const scratch = input ? undefined : await store.scratch();
  const file = input ?? join(scratch as string, 'image.tar');
  try {
    if (!input) await pipeline(process.stdin, createWriteStream(file));
    for (const { open, tags } of await archiveImages(file)) {
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
    if (scratch) await rm(scratch, { recursive: true, force: true });
  }
}

/** The images an archive holds, with the tags `docker load` would give them. */
async function archiveImages(file: string): Promise<Array<{ open: () => Promise<ImageSource>; tags: string[] }>> {
  const files = new ArchiveFiles(await TarIndex.open(file));
  const manifestJson = await files.read('manifest.json', 16 << 20);
  if (manifestJson) {
    return parseManifestJson(manifestJson, file).map((entry, index) => ({
      open: () => DockerArchiveSource.open(file, `@${index}`),
      tags: (entry.RepoTags ?? []).map((t) => formatReference(parseReference(t))),
    }));
  }
  const entries = await readLayoutIndex(files);
  if (entries.length === 0) throw new StowageError('MANIFEST_UNKNOWN', `${file} holds no image`);
  return entries.map((entry, index) => {
    const name = entry.annotations?.['io.containerd.image.name'] ?? entry.annotations?.[REF_NAME_ANNOTATION];
    const tag = name && /[/:]/.test(name) ? safeFormat(name) : undefined;
    return { open: () => OciArchiveSource.open(file, `@${index}`), tags: tag ? [tag] : [] };
  });
}

function safeFormat(name: string): string | undefined {
  try {
    return formatReference(parseReference(name));
  } catch {
    return undefined;
  }
}
