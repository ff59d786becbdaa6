import * as z from 'zod/mini';
import { en } from 'zod/locales';
import { Digest } from '../digest/digest.js';
import { StowageError } from '../errors/error.js';
import type { ParsedManifest } from '../oci/manifest.js';
import { familiarString, formatReference, parseReference, tryParseReference, type Reference } from '../reference/reference.js';
import { REF_NAME_ANNOTATION } from './layout-source.js';
import { normaliseName } from '../tar/file-index.js';

/**
 * `manifest.json` of the `docker save` format (docker/image-v1.2.md, "Combined Image JSON +
 * Filesystem Changeset Format"): one entry per image, naming its config file, its tags and
 * its layer files inside the archive.
 */
export interface DockerManifestEntry {
  Config: string;
  RepoTags?: string[] | null;
  Layers: string[];
}

/** containerd's (and Docker 25+'s) annotation of index.json entries with the full image name. */
export const IMAGE_NAME_ANNOTATION = 'io.containerd.image.name';
export const MANIFEST_JSON_LIMIT = 16 << 20;

const entrySchema = z.object({
  Config: z.string(),
  RepoTags: z.optional(z.nullable(z.array(z.string()))),
  Layers: z.array(z.string()),
});
const manifestJsonSchema = z.array(entrySchema);

/**
 * zod's English messages ("Invalid input: expected string, received undefined"): classic zod
 * installs them globally, zod/mini does not, so they are asked for here.
 */
const english = en().localeError;

export function parseManifestJson(bytes: Buffer, location: string): DockerManifestEntry[] {
  let value: unknown;
  try {
    value = JSON.parse(bytes.toString('utf8'));
  } catch {
    throw new StowageError('MANIFEST_INVALID', `${location}: manifest.json is not valid JSON`);
  }
  const result = manifestJsonSchema.safeParse(value, { error: english });
  if (!result.success) {
    const issue = result.error.issues[0];
    const where = issue ? issue.path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`)).join('') : '';
    throw new StowageError('MANIFEST_INVALID', `${location}: manifest.json${where}: ${issue?.message ?? 'invalid'}`);
  }
  return result.data;
}

/**
 * A docker-archive ref, normalised as docker does (`alpine` is `docker.io/library/alpine:latest`).
 * An image in an archive is named by tag only: a digest cannot be a RepoTag.
 */
export function parseArchiveReference(ref: string): Reference {
  const parsed = parseReference(ref);
  if (parsed.digest !== undefined) {
    throw new StowageError('REFERENCE_INVALID', `docker-archive names images by NAME:TAG or @N, not by digest: ${JSON.stringify(ref)}`);
  }
  return parsed;
}

/**
 * The index.json annotations Docker 25+ gives an image saved as `reference` (a NAME:TAG): the
 * full name, and the tag as the OCI ref name.
 */
export function imageNameAnnotations(reference: Reference): Record<string, string> {
  return { [IMAGE_NAME_ANNOTATION]: formatReference(reference), ...(reference.tag ? { [REF_NAME_ANNOTATION]: reference.tag } : {}) };
}

/** The normalised form of a name found in an archive, or undefined when it does not parse. */
export function normaliseArchiveName(name: string): string | undefined {
  const parsed = tryParseReference(name);
  return parsed ? formatReference(parsed) : undefined;
}

/**
 * The RepoTag `docker save` records for an image named `typed` (moby tarexport/save.go): the
 * name as typed, familiar (`alpine:latest`), when the image has that tag. None for an ID or a
 * digest (addAssoc skips canonical references), nor for a name that is none of its tags (a
 * short hex ID parses as a name too).
 */
export function savedTag(typed: string, repoTags: readonly string[]): string | undefined {
  const reference = tryParseReference(typed);
  if (reference === undefined || reference.digest !== undefined) return undefined;
  const wanted = formatReference(reference);
  return repoTags.some((tag) => normaliseArchiveName(tag) === wanted) ? familiarString(reference) : undefined;
}

/** The manifest.json entry a ref names: by RepoTag, `@N`, or the only one. */
export function selectManifestEntry(entries: DockerManifestEntry[], ref: string | undefined, file: string): DockerManifestEntry {
  if (ref === undefined) {
    const [only] = entries;
    if (only !== undefined && entries.length === 1) return only;
    if (entries.length === 0) throw new StowageError('MANIFEST_UNKNOWN', `${file} holds no images`);
    throw new StowageError(
      'REFERENCE_INVALID',
      `${file} holds ${entries.length} images; name one with docker-archive:${file}:NAME:TAG or docker-archive:${file}:@N`,
    );
  }
  const position = /^@([0-9]{1,9})$/.exec(ref);
  if (position) {
    const entry = entries[Number(position[1])];
    if (entry === undefined) throw new StowageError('MANIFEST_UNKNOWN', `no image ${ref} in ${file}: it holds ${entries.length}`);
    return entry;
  }
  const wanted = formatReference(parseArchiveReference(ref));
  const found = entries.find((e) => (e.RepoTags ?? []).some((tag) => normaliseArchiveName(tag) === wanted));
  if (found !== undefined) return found;
  const tags = entries.flatMap((e) => e.RepoTags ?? []);
  const known =
    tags.length === 0
      ? 'it has no tagged images'
      : `it has ${tags
          .slice(0, 10)
          .map((t) => JSON.stringify(t))
          .join(', ')}${tags.length > 10 ? ', ...' : ''}`;
  throw new StowageError('MANIFEST_UNKNOWN', `no image ${JSON.stringify(ref)} in ${file} (${known})`);
}

/** The digest a `blobs/<alg>/<hex>` path names (the Docker 25+ layout), else undefined (`<id>/layer.tar`). */
export function digestOfPath(path: string): string | undefined {
  const match = /^blobs\/([a-z0-9]+)\/([a-f0-9]+)$/.exec(normaliseName(path) ?? '');
  if (!match) return undefined;
  const value = `${match[1]}:${match[2]}`;
  return Digest.isValid(value) ? value : undefined;
}

/** Whether an OCI manifest in the archive is exactly the image a manifest.json entry describes. */
export function entryMatches(entry: DockerManifestEntry, manifest: ParsedManifest): boolean {
  if (manifest.kind !== 'manifest' || manifest.config === undefined) return false;
  if (digestOfPath(entry.Config) !== manifest.config.digest) return false;
  if (entry.Layers.length !== manifest.layers.length) return false;
  return entry.Layers.every((path, i) => digestOfPath(path) === manifest.layers[i]?.digest);
}
