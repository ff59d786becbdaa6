import type { Readable } from 'node:stream';
import { Digest } from '../digest/digest.js';
import { isStowageError, StowageError } from '../errors/error.js';
import type { Descriptor } from '../oci/descriptor.js';
import { parseManifest } from '../oci/manifest.js';
import type { LayoutFiles } from './layout-files.js';
import type { ImageSource } from './types.js';
import type { ManifestBytes } from '../oci/manifest-bytes.js';

/**
 * Reading an OCI image layout (oci-image/image-layout.md) through LayoutFiles, so a directory
 * and a tar read in place share one implementation: oci:, oci-archive: and the OCI half of
 * docker-archive: are this class with a different LayoutFiles and name.
 */

/** annotations.md: the name of a ref in index.json. */
export const REF_NAME_ANNOTATION = 'org.opencontainers.image.ref.name';
/** A manifest larger than this is refused, as registries do (distribution limits it to 4 MiB). */
export const MANIFEST_LIMIT = 4 << 20;
/** index.json grows with every tag; 16 MiB is some 60 000 entries. */
const INDEX_JSON_LIMIT = 16 << 20;
const LAYOUT_MARKER_LIMIT = 64 << 10;

export function blobPath(digest: Digest): string {
  return `blobs/${digest.algorithm}/${digest.hex}`;
}

/** image-layout.md "oci-layout file": a JSON object with `imageLayoutVersion`; we read 1.x. */
export function checkLayoutMarker(bytes: Buffer, location: string): void {
  let version: unknown;
  try {
    version = (JSON.parse(bytes.toString('utf8')) as { imageLayoutVersion?: unknown } | null)?.imageLayoutVersion;
  } catch {
    throw new StowageError('MANIFEST_INVALID', `${location}: oci-layout is not valid JSON`);
  }
  if (typeof version !== 'string' || !/^1\.[0-9]+\.[0-9]+$/.test(version)) {
    throw new StowageError('MANIFEST_INVALID', `${location}: unsupported OCI layout version ${JSON.stringify(version ?? null)} (1.x.y is supported)`);
  }
}

/** The entries of index.json, after checking the oci-layout marker. */
export async function readLayoutIndex(files: LayoutFiles): Promise<Descriptor[]> {
  const marker = await files.read('oci-layout', LAYOUT_MARKER_LIMIT);
  if (marker === undefined) {
    throw new StowageError('PATH_NOT_FOUND', `${files.location} is not an OCI image layout: it has no oci-layout file`);
  }
  checkLayoutMarker(marker, files.location);
  const bytes = await files.read('index.json', INDEX_JSON_LIMIT);
  if (bytes === undefined) throw new StowageError('PATH_NOT_FOUND', `${files.location} has no index.json`);
  try {
    const index = parseManifest(bytes);
    if (index.kind !== 'index') throw new StowageError('MANIFEST_INVALID', 'it is not an image index');
    return index.manifests;
  } catch (err) {
    if (!isStowageError(err, 'MANIFEST_INVALID')) throw err;
    throw new StowageError('MANIFEST_INVALID', `${files.location}: index.json: ${err.message}`);
  }
}

/**
 * The index.json entry a ref names: its ref.name annotation, or `@N` (the N-th entry, as
 * skopeo's `oci:DIR:@N`). Without a ref, the only entry. `usage` shows how to name one.
 */
export function selectEntry(entries: Descriptor[], ref: string | undefined, location: string, usage: string): Descriptor {
  if (ref === undefined) {
    const [only] = entries;
    if (only !== undefined && entries.length === 1) return only;
    if (entries.length === 0) throw new StowageError('MANIFEST_UNKNOWN', `${location} holds no images`);
    throw new StowageError('REFERENCE_INVALID', `${location} holds ${entries.length} images; name one with ${usage}`);
  }
  const position = /^@([0-9]{1,9})$/.exec(ref);
  const found = position ? entries[Number(position[1])] : entries.find((entry) => entry.annotations?.[REF_NAME_ANNOTATION] === ref);
  if (found !== undefined) return found;
  const names = entries.map((e) => e.annotations?.[REF_NAME_ANNOTATION]).filter((n): n is string => n !== undefined);
  const known =
    names.length === 0
      ? 'it has no named images'
      : `it has ${names
          .slice(0, 10)
          .map((n) => JSON.stringify(n))
          .join(', ')}${names.length > 10 ? ', ...' : ''}`;
  throw new StowageError('MANIFEST_UNKNOWN', `no image ${JSON.stringify(ref)} in ${location} (${known})`);
}

function notAManifest(digest: Digest, location: string): StowageError {
  return new StowageError('MANIFEST_UNKNOWN', `manifest ${digest} is not in ${location}: the blob of that digest is not a manifest`);
}

export class LayoutSource implements ImageSource {
  readonly name: string;
  protected readonly files: LayoutFiles;
  private readonly top: Descriptor;
  /** Descriptors of the manifests seen so far (the top one, children of indexes read): their media types and sizes. */
  private readonly known = new Map<string, Descriptor>();

  constructor(files: LayoutFiles, name: string, top: Descriptor) {
    this.files = files;
    this.name = name;
    this.top = top;
    this.known.set(top.digest, top);
  }

  async getManifest(digest?: Digest): Promise<ManifestBytes> {
    const target = digest ?? Digest.parse(this.top.digest);
    const bytes = await this.files.read(blobPath(target), MANIFEST_LIMIT);
    if (bytes === undefined) throw new StowageError('MANIFEST_UNKNOWN', `manifest ${target} is not in ${this.files.location}`);
    // image-layout.md "Blobs": the content MUST match the digest; a mismatch is corruption, never served.
    const actual = Digest.of(bytes, target.algorithm);
    if (!actual.equals(target)) {
      throw new StowageError('DIGEST_INVALID', `${blobPath(target)} in ${this.files.location} has digest ${actual}`);
    }
    const descriptor = this.known.get(target.toString());
    if (descriptor !== undefined && descriptor.size !== bytes.length) {
      throw new StowageError('SIZE_INVALID', `manifest ${target} is ${bytes.length} bytes, its descriptor says ${descriptor.size}`);
    }
    let parsed;
    try {
      parsed = parseManifest(bytes, descriptor?.mediaType);
    } catch (err) {
      if (!isStowageError(err, 'MANIFEST_INVALID')) throw err;
      // Nothing named this digest a manifest (it is not the top one nor a child of one read):
      // a config or layer blob asked for as a manifest is not there, as a registry answers.
      if (descriptor === undefined && digest !== undefined) throw notAManifest(target, this.files.location);
      throw new StowageError('MANIFEST_INVALID', `${this.name}: manifest ${target}: ${err.message}`);
    }
    for (const child of parsed.manifests) if (!this.known.has(child.digest)) this.known.set(child.digest, child);
    return { bytes, mediaType: parsed.mediaType, digest: actual };
  }

  async getBlob(descriptor: Descriptor): Promise<Readable> {
    const digest = Digest.parse(descriptor.digest);
    const file = await this.files.open(blobPath(digest));
    if (file === undefined) throw new StowageError('BLOB_UNKNOWN', `blob ${digest} is not in ${this.files.location}`);
    if (file.size !== descriptor.size) {
      file.stream.destroy();
      throw new StowageError('SIZE_INVALID', `blob ${digest} in ${this.files.location} is ${file.size} bytes, expected ${descriptor.size}`);
    }
    return file.stream;
  }

  async close(): Promise<void> {
    // Nothing held open: every read opens and closes its own file handle.
  }
}
