import type { CatalogImage } from '../../catalog/catalog.js';
import { familiarString, tryParseReference, type Reference } from '../../reference/reference.js';
import { truncateId } from './table.js';
import { createdSince, humanSize, humanSizePrecise } from './units.js';

/**
 * The rows of `stowage images`, field for field docker's imageContext
 * (cli/command/formatter/image.go): one row per repository:tag, `<none>` for what is
 * missing, and the names `{{json .}}` prints (Containers … VirtualSize).
 */

export const IMAGE_TABLE = '{{.Repository}}\t{{.Tag}}\t{{.ID}}\t{{.CreatedSince}}\t{{.Size}}';
export const IMAGE_TABLE_WITH_DIGEST = '{{.Repository}}\t{{.Tag}}\t{{.Digest}}\t{{.ID}}\t{{.CreatedSince}}\t{{.Size}}';

export const IMAGE_HEADERS: Record<string, string> = {
  ID: 'IMAGE ID',
  Repository: 'REPOSITORY',
  Tag: 'TAG',
  Digest: 'DIGEST',
  CreatedSince: 'CREATED',
  CreatedAt: 'CREATED AT',
  Size: 'SIZE',
  Containers: 'CONTAINERS',
  VirtualSize: 'SIZE',
  SharedSize: 'SHARED SIZE',
  UniqueSize: 'UNIQUE SIZE',
  ContentSize: 'CONTENT SIZE',
};

export interface ImageRowOptions {
  /** IDs cut to 12 hex digits (no --no-trunc). */
  truncate: boolean;
  /** --digests: a row per digest, and digest-only repositories get one too. */
  showDigests: boolean;
  /** The format shows digests (--digests, or {{.Digest}} in it). */
  needDigest: boolean;
  now: number;
  /** `system df -v` knows these; `images` does not (docker prints N/A). */
  usage?: (image: CatalogImage) => { sharedSize: number; uniqueSize: number; containers: number } | undefined;
}

export type ImageRow = Record<
  'Containers' | 'CreatedAt' | 'CreatedSince' | 'Digest' | 'ID' | 'Repository' | 'SharedSize' | 'Size' | 'Tag' | 'UniqueSize' | 'VirtualSize',
  string
>;

/** Every row docker would print for these images, in order. */
export function imageRows(images: readonly CatalogImage[], options: ImageRowOptions): ImageRow[] {
  return images.flatMap((image) => namesOf(image, options).map(({ repository, tag, digest }) => imageRow(image, repository, tag, digest, options)));
}

export function imageRow(image: CatalogImage, repository: string, tag: string, digest: string, options: ImageRowOptions): ImageRow {
  // Fields a table does not show are computed only when read (a template or {{json .}}):
  // with 1,000 images the time formatting alone is measurable.
  let usage: { sharedSize: number; uniqueSize: number; containers: number } | undefined | null = null;
  const used = () => (usage === null ? (usage = options.usage?.(image)) : usage);
  return withContentSize(image, {
    get Containers() {
      const u = used();
      return u ? String(u.containers) : 'N/A';
    },
    get CreatedAt() {
      return goTimeString(image.created);
    },
    get CreatedSince() {
      return createdSince(image.created, options.now);
    },
    Digest: digest,
    ID: options.truncate ? truncateId(image.id) : image.id,
    Repository: repository,
    get SharedSize() {
      const u = used();
      return u ? humanSizePrecise(u.sharedSize) : 'N/A';
    },
    get Size() {
      return humanSize(image.size);
    },
    Tag: tag,
    get UniqueSize() {
      const u = used();
      return u ? humanSizePrecise(u.uniqueSize) : 'N/A';
    },
    get VirtualSize() {
      return humanSizePrecise(image.size);
    },
  });
}

/**
 * `{{.ContentSize}}`: the compressed bytes the store holds, as Docker 29's containerd store shows
 * CONTENT SIZE beside the unpacked size. Not enumerable, so `{{json .}}` stays docker's.
 */
function withContentSize<R extends object>(image: CatalogImage, row: R): R & { ContentSize?: string } {
  return Object.defineProperty(row, 'ContentSize', {
    get: () => (image.contentSize === undefined ? 'N/A' : humanSize(image.contentSize)),
    enumerable: false,
  });
}

interface RowName {
  repository: string;
  tag: string;
  digest: string;
}

/** docker's imageFormatTaggedAndDigest, with first-seen order where Go iterates a map. */
function namesOf(image: CatalogImage, options: ImageRowOptions): RowName[] {
  const tags = groupByRepository(image.repoTags, (ref) => ref.tag);
  const digests = groupByRepository(image.repoDigests, (ref) => ref.digest);
  if (tags.size === 0 && digests.size === 0) return [{ repository: '<none>', tag: '<none>', digest: '<none>' }];
  const rows: RowName[] = [];
  for (const [repository, repoTags] of tags) {
    const repoDigests = options.needDigest ? (digests.get(repository) ?? []) : [];
    digests.delete(repository);
    for (const tag of repoTags) {
      if (repoDigests.length === 0) rows.push({ repository, tag, digest: '<none>' });
      for (const digest of repoDigests) rows.push({ repository, tag, digest });
    }
  }
  for (const [repository, repoDigests] of digests) {
    if (options.showDigests) for (const digest of repoDigests) rows.push({ repository, tag: '<none>', digest });
    else rows.push({ repository, tag: '<none>', digest: '' });
  }
  return rows;
}

function groupByRepository(references: readonly string[], pick: (ref: Reference) => string | undefined): Map<string, string[]> {
  const groups = new Map<string, string[]>();
  for (const reference of references) {
    const ref = tryParseReference(reference);
    const value = ref ? pick(ref) : undefined;
    if (!ref || value === undefined) continue;
    const name = familiarString({ domain: ref.domain, path: ref.path });
    groups.set(name, [...(groups.get(name) ?? []), value]);
  }
  return groups;
}

/** `docker images` first tag of an image as repository and tag (system df -v shows only that). */
export function firstName(image: CatalogImage): { repository: string; tag: string } {
  for (const reference of image.repoTags) {
    const ref = tryParseReference(reference);
    if (ref?.tag !== undefined) return { repository: familiarString({ domain: ref.domain, path: ref.path }), tag: ref.tag };
  }
  return { repository: '<none>', tag: '<none>' };
}

/**
 * Go's time.Time.String() for whole seconds, in UTC: "2024-01-02 15:04:05 +0000 UTC" (docker
 * prints local time; UTC keeps output the same on every machine). Empty when unknown.
 */
export function goTimeString(iso: string | undefined): string {
  const ms = iso === undefined ? Number.NaN : Date.parse(iso);
  if (Number.isNaN(ms)) return '';
  return `${new Date(Math.floor(ms / 1000) * 1000)
    .toISOString()
    .replace('T', ' ')
    .replace(/\.\d+Z$/, '')} +0000 UTC`;
}
