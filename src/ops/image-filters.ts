import type { CatalogImage } from '../catalog/catalog.js';
import { familiarString, tryParseReference } from '../reference/reference.js';
import { BadPatternError, compilePathPattern } from './path-match.js';

/**
 * `images --filter` and the REPOSITORY[:TAG] argument, as the docker daemon applies them
 * (moby daemon/images: Images): everything here is pure, over listed images, so the
 * operation (images.ts) only resolves `before=`/`since=` images and reads labels when those
 * filters are given.
 */

export interface LabelFilter {
  key: string;
  value?: string;
}

export interface ImageFilterSpec {
  /** dangling=true: only untagged images; dangling=false: no image without tag or digest. */
  dangling?: boolean;
  /** Go path.Match patterns against the familiar reference (`alpine:3*`) or name (`alpine`). */
  references: string[];
  /** Image names or IDs; resolved by the verb into times. */
  before: string[];
  since: string[];
  labels: LabelFilter[];
}

export const IMAGE_FILTER_KEYS = ['dangling', 'reference', 'before', 'since', 'label'] as const;

/** Parses repeated `--filter key=value` flags; errors name the flag as docker's do. */
export function parseImageFilters(args: readonly string[]): ImageFilterSpec {
  const spec: ImageFilterSpec = { references: [], before: [], since: [], labels: [] };
  for (const arg of args) {
    const eq = arg.indexOf('=');
    if (eq <= 0) throw new Error(`bad format of filter "${arg}" (expected name=value)`);
    const key = arg.slice(0, eq).trim().toLowerCase();
    const value = arg.slice(eq + 1);
    switch (key) {
      case 'dangling':
        spec.dangling = parseDangling(value, spec.dangling);
        break;
      case 'reference':
        checkPattern(value);
        spec.references.push(value);
        break;
      case 'before':
      case 'since':
        spec[key].push(value);
        break;
      case 'label':
        spec.labels.push(parseLabel(value));
        break;
      default:
        throw new Error(`invalid filter '${key}': images filter on ${IMAGE_FILTER_KEYS.join(', ')}`);
    }
  }
  return spec;
}

function parseDangling(value: string, previous: boolean | undefined): boolean {
  const lowered = value.toLowerCase();
  if (lowered !== 'true' && lowered !== 'false' && value !== '1' && value !== '0') {
    throw new Error(`invalid filter 'dangling=${value}': use dangling=true or dangling=false`);
  }
  const dangling = lowered === 'true' || value === '1';
  if (previous !== undefined && previous !== dangling) throw new Error('invalid filter: dangling=true and dangling=false together');
  return dangling;
}

function checkPattern(pattern: string): void {
  try {
    compilePathPattern(pattern);
  } catch (err) {
    if (err instanceof BadPatternError) throw new Error(`invalid filter 'reference=${pattern}': ${err.message}`);
    throw err;
  }
}

function parseLabel(value: string): LabelFilter {
  const eq = value.indexOf('=');
  return eq < 0 ? { key: value } : { key: value.slice(0, eq), value: value.slice(eq + 1) };
}

export interface FilterContext<T extends CatalogImage = CatalogImage> {
  /** Only images created strictly before this time (ms), from `before=IMAGE`. */
  before?: number;
  /** Only images created strictly after this time (ms), from `since=IMAGE`. */
  since?: number;
  /** An image's config labels; needed only when the spec has label filters. */
  labelsOf?: (image: T) => Record<string, string> | undefined;
}

/**
 * Applies the filters in moby's order. With `reference=`, an image keeps only the tags and
 * digests that match and goes when none does; a dangling image never matches a reference.
 */
export function filterImages<T extends CatalogImage>(images: readonly T[], spec: ImageFilterSpec, context: FilterContext<T> = {}): T[] {
  const patterns = spec.references.map((p) => compilePathPattern(p));
  const out: T[] = [];
  for (const image of images) {
    const time = imageTime(image);
    if (context.before !== undefined && !(time < context.before)) continue;
    if (context.since !== undefined && !(time > context.since)) continue;
    if (spec.labels.length > 0 && !labelsMatch(context.labelsOf?.(image), spec.labels)) continue;
    const repoTags = patterns.length > 0 ? image.repoTags.filter((r) => referenceMatches(r, patterns)) : image.repoTags;
    const repoDigests = patterns.length > 0 ? image.repoDigests.filter((r) => referenceMatches(r, patterns)) : image.repoDigests;
    if (repoTags.length === 0 && repoDigests.length === 0) {
      if (spec.dangling === false || patterns.length > 0) continue;
    } else if (spec.dangling === true && repoTags.length > 0) {
      continue;
    }
    out.push(patterns.length > 0 ? { ...image, repoTags, repoDigests } : image);
  }
  return out;
}

/** distribution/reference FamiliarMatch: the pattern against `alpine:latest`, then against `alpine`. */
export function referenceMatches(fullReference: string, patterns: readonly RegExp[]): boolean {
  const ref = tryParseReference(fullReference);
  if (!ref) return false;
  const full = familiarString(ref);
  const name = familiarString({ domain: ref.domain, path: ref.path });
  return patterns.some((p) => p.test(full) || p.test(name));
}

function labelsMatch(labels: Record<string, string> | undefined, wanted: readonly LabelFilter[]): boolean {
  return wanted.every((w) => labels !== undefined && Object.hasOwn(labels, w.key) && (w.value === undefined || labels[w.key] === w.value));
}

/** When an image was made: its config's `created`, else when it entered the store. */
export function imageTime(image: CatalogImage): number {
  const created = image.created === undefined ? Number.NaN : Date.parse(image.created);
  if (!Number.isNaN(created)) return created;
  const pulled = image.pulled === undefined ? Number.NaN : Date.parse(image.pulled);
  return Number.isNaN(pulled) ? 0 : pulled;
}

/** Newest first, as the daemon sorts its list (by creation time); ties keep the store's order. */
export function sortNewestFirst<T extends CatalogImage>(images: readonly T[]): T[] {
  return images
    .map((image, index) => ({ image, index, time: imageTime(image) }))
    .sort((a, b) => b.time - a.time || a.index - b.index)
    .map((entry) => entry.image);
}
