import { parsePlatform, type PlatformSpec } from '../oci/platform.js';
import type { ManifestFormat } from '../transport/convert.js';
import { copyImage, type CopyOptions, type CopyResult } from '../transport/copy.js';
import { parseImageName, type ImageName } from '../transport/image-name.js';
import { openSink, openSource } from '../transport/open.js';
import type { ImageSink, ImageSource } from '../transport/types.js';
import { copyProgress, type CopyEvent } from './progress.js';
import { registryClient, withResources, type RegistryAccess, type Resources } from './resources.js';
// Every transport, docker-root: too, is in the table when a name is opened.
import './transports.js';

/**
 * Where `copy` reads an image: a transport name (`docker://alpine`, `oci:DIR:REF`, parsed as
 * skopeo parses them, or an ImageName), or a function that opens a source. What copy opens it
 * closes; a source object the caller opened the caller closes.
 */
export type SourceSpec = string | ImageName | ImageSource | (() => Promise<ImageSource>);
/** Where `copy` writes an image; as SourceSpec. */
export type SinkSpec = string | ImageName | ImageSink | (() => Promise<ImageSink>);

export interface CopyImageOptions extends RegistryAccess {
  /** Which image of a multi-arch index (default: this machine's): a PlatformSpec or `os/arch[/variant]`; `all` copies the whole index. */
  platform?: PlatformSpec | 'all' | string;
  /** Blobs transferred at once (default 4). */
  concurrency?: number;
  /** Rewrite the manifests' media types (skopeo's --format); blobs are copied as they are. */
  format?: ManifestFormat;
  /** Stops the copy: nothing is committed, what was opened is closed, and copy rejects with the signal's reason. */
  signal?: AbortSignal;
  onProgress?: (event: CopyEvent) => void;
  /** What a source found wrong but could read past (a damaged Docker root), one line each. */
  warn?: (line: string) => void;
}

/**
 * `stowage copy SRC DST` as a library call: any source to any sink, blobs in parallel, each
 * verified as it passes and skipped when the destination has it; nothing is visible at the
 * destination unless the whole image arrived.
 */
export async function copy(source: SourceSpec, destination: SinkSpec, options: CopyImageOptions = {}): Promise<CopyResult> {
  const from = typeof source === 'string' ? parseImageName(source) : source;
  const to = typeof destination === 'string' ? parseImageName(destination) : destination;
  return withResources(async (scope) => {
    const client = once(() => registryClient(options, scope));
    const warn = options.warn ? { warn: options.warn } : {};
    const clientFor = async (name: ImageName) => (name.transport === 'docker' ? await client() : undefined);
    const opened = await openEnd(from, scope, async (name) => openSource(name, { client: await clientFor(name), ...warn }));
    const sink = await openEnd(to, scope, async (name) => openSink(name, { client: await clientFor(name) }));
    return copyBetween(opened, sink, options);
  });
}

/** One image from an open source into an open sink, reported as events; the operations' one call of copyImage. */
export async function copyBetween(
  source: ImageSource,
  sink: ImageSink,
  options: Pick<CopyImageOptions, 'platform' | 'concurrency' | 'format' | 'signal' | 'onProgress'> & Pick<CopyOptions, 'retries'> = {},
): Promise<CopyResult> {
  const { onProgress, concurrency, format, signal, retries } = options;
  onProgress?.({ type: 'copy-started', source: source.name, destination: sink.name });
  const platform = typeof options.platform === 'string' && options.platform !== 'all' ? parsePlatform(options.platform) : options.platform;
  return copyImage(source, sink, { platform, concurrency, format, signal, retries, progress: copyProgress(onProgress) });
}

/** A name is opened here and closed with the scope; an opener's result too; an object passed in is the caller's. */
async function openEnd<T extends ImageSource | ImageSink>(
  spec: ImageName | T | (() => Promise<T>),
  scope: Resources,
  open: (name: ImageName) => Promise<T>,
): Promise<T> {
  if (typeof spec === 'function') return scope.own(await spec());
  if ('transport' in spec) return scope.own(await open(spec));
  return spec;
}

/** The registry client, made on first use: one for both ends, none for a copy between two directories. */
function once<T>(make: () => Promise<T>): () => Promise<T> {
  let made: Promise<T> | undefined;
  return () => (made ??= make());
}
