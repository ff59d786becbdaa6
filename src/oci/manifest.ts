import * as z from 'zod/mini';
import { en } from 'zod/locales';
import { StowageError } from '../errors/error.js';
import { annotationsSchema, descriptorSchema, mediaTypeSchema, type Descriptor } from './descriptor.js';
import { scanJson } from './json-scan.js';
import { isDockerMediaType, isIndexMediaType, isManifestMediaType, isSchema1MediaType, MediaType, stripParameters } from './media-types.js';

export type { Descriptor, Platform } from './descriptor.js';

/** A validated image manifest or index, reduced to what the registry and client act on. */
export interface ParsedManifest {
  /** The effective media type (body `mediaType`, else Content-Type, else inferred). */
  mediaType: string;
  kind: 'manifest' | 'index';
  config?: Descriptor;
  layers: Descriptor[];
  manifests: Descriptor[];
  subject?: Descriptor;
  artifactType?: string;
  annotations?: Record<string, string>;
}

// manifest.md and docker/manifest-v2-2.md "Image Manifest"; `layers` may be empty (SHOULD, not MUST).
const imageManifestSchema = z.object({
  config: descriptorSchema,
  layers: z.array(descriptorSchema),
  subject: z.optional(descriptorSchema),
  artifactType: z.optional(mediaTypeSchema),
  annotations: z.optional(annotationsSchema),
});

// image-index.md: `manifests` MUST be present and MAY be empty; an unknown entry mediaType MUST NOT error.
const indexSchema = z.object({
  manifests: z.array(descriptorSchema),
  subject: z.optional(descriptorSchema),
  artifactType: z.optional(mediaTypeSchema),
  annotations: z.optional(annotationsSchema),
});

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** Go's encoding/json refuses deeper nesting ("exceeded max depth"): distribution could not read it. */
const MAX_JSON_DEPTH = 10_000;

/**
 * Parses and validates manifest bytes as pushed or pulled. `contentType` is the HTTP
 * Content-Type, if any. Every failure is MANIFEST_INVALID with one sentence saying why.
 */
export function parseManifest(bytes: Uint8Array, contentType?: string): ParsedManifest {
  const { body, sizes } = decode(bytes);
  const header = typeof contentType === 'string' ? stripParameters(contentType) : undefined;

  // Schema 1 is refused outright, however it announces itself (docker/manifest-v2-2.md superseded it).
  if (
    (header !== undefined && isSchema1MediaType(header)) ||
    body.schemaVersion === 1 ||
    (typeof body.mediaType === 'string' && isSchema1MediaType(body.mediaType))
  ) {
    invalid('Docker image manifest schema 1 is not supported; push the image as Docker schema 2 or OCI');
  }
  // manifest.md / image-index.md: schemaVersion MUST be 2.
  if (body.schemaVersion !== 2) {
    invalid(body.schemaVersion === undefined ? 'schemaVersion is required' : `schemaVersion must be 2, not ${show(body.schemaVersion)}`);
  }
  if (body.mediaType !== undefined && typeof body.mediaType !== 'string') invalid('mediaType must be a string');
  const declared = body.mediaType as string | undefined;
  const headerType = header !== undefined && isManifestMediaType(header) ? header : undefined;

  // media-types.md "Media Type Conflicts": a manifest type in the header must agree with the body.
  if (declared !== undefined && headerType !== undefined && declared !== headerType) {
    invalid(`mediaType ${show(declared)} does not match Content-Type ${show(headerType)}`);
  }
  const mediaType = declared ?? headerType ?? infer(body);
  if (!isManifestMediaType(mediaType)) invalid(`unsupported manifest media type ${show(mediaType)}`);
  // docker/manifest-v2-2.md: Docker manifests carry their mediaType; only OCI made it optional.
  if (isDockerMediaType(mediaType) && declared === undefined) {
    invalid(`a ${mediaType} manifest must have a mediaType field`);
  }

  const kind = isIndexMediaType(mediaType) ? 'index' : 'manifest';
  // GHSA-77vh-xpmg-72qh: a document readable as both a manifest and an index is ambiguous, so refused.
  if (kind === 'manifest' && body.manifests !== undefined) invalid('an image manifest must not have a manifests field');
  if (kind === 'index' && (body.config !== undefined || body.layers !== undefined)) {
    invalid('an image index must not have config or layers fields');
  }

  if (kind === 'manifest') {
    const m = validate(imageManifestSchema, body);
    return checkSizeText(
      compact({
        mediaType,
        kind,
        config: m.config,
        layers: m.layers,
        manifests: [],
        subject: m.subject,
        artifactType: m.artifactType,
        annotations: m.annotations,
      }),
      sizes,
    );
  }
  const ix = validate(indexSchema, body);
  return checkSizeText(
    compact({ mediaType, kind, layers: [], manifests: ix.manifests, subject: ix.subject, artifactType: ix.artifactType, annotations: ix.annotations }),
    sizes,
  );
}

/**
 * descriptor.md: `size` is an int64. Go's encoding/json (distribution, containers/image) reads
 * only an integer token into one, so `7.8e1` or `78.0` make the manifest unreadable there,
 * though JSON.parse reads 78; `-0` is refused too (a size is never signed). Judged on the
 * source text of each descriptor's size.
 */
function checkSizeText(parsed: ParsedManifest, sizes: Map<string, string>): ParsedManifest {
  const paths = [
    ...(parsed.config ? ['config.size'] : []),
    ...(parsed.subject ? ['subject.size'] : []),
    ...parsed.layers.map((_, i) => `layers[${i}].size`),
    ...parsed.manifests.map((_, i) => `manifests[${i}].size`),
  ];
  for (const path of paths) {
    const text = sizes.get(path);
    if (text === undefined || !/^(?:0|[1-9][0-9]*)$/.test(text)) {
      invalid(`${path}: must be a non-negative JSON integer${text === undefined ? '' : `, not ${text.slice(0, 40)}`}`);
    }
  }
  return parsed;
}

/**
 * The descriptor listed for a manifest by the referrers API (distribution spec.md, "Listing
 * Referrers"): artifactType from the manifest, else config.mediaType for an image manifest,
 * omitted for an index without one; the manifest's annotations copied.
 */
export function referrerDescriptor(parsed: ParsedManifest, digest: string, size: number): Descriptor {
  const descriptor: Descriptor = { mediaType: parsed.mediaType, digest, size };
  const artifactType = parsed.artifactType || (parsed.kind === 'manifest' ? parsed.config?.mediaType : undefined);
  if (artifactType) descriptor.artifactType = artifactType;
  if (parsed.annotations !== undefined) descriptor.annotations = { ...parsed.annotations };
  return descriptor;
}

function decode(bytes: Uint8Array): { body: Record<string, unknown>; sizes: Map<string, string> } {
  let text: string;
  try {
    text = utf8.decode(bytes);
  } catch {
    invalid('manifest is not valid UTF-8');
  }
  // Before JSON.parse, which would spend a second on a 4 MiB manifest nested a million deep.
  // Descriptor sizes sit at depth 2 (config.size) or 3 (layers[0].size).
  const scan = scanJson(text, { maxDepth: MAX_JSON_DEPTH, keep: (key, depth) => key === 'size' && depth <= 3 });
  if (scan.tooDeep) invalid(`manifest JSON is nested deeper than ${MAX_JSON_DEPTH} levels`);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    invalid('manifest is not valid JSON');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) invalid('manifest must be a JSON object');
  return { body: value as Record<string, unknown>, sizes: scan.numbers };
}

/** image-index.md / manifest.md: without mediaType, `manifests` means an index and `config` an image manifest. */
function infer(body: Record<string, unknown>): string {
  const hasManifests = body.manifests !== undefined;
  const hasConfig = body.config !== undefined;
  if (hasManifests && hasConfig) invalid('manifest has both config and manifests fields and no mediaType to tell them apart');
  if (hasManifests) return MediaType.OCI_INDEX;
  if (hasConfig) return MediaType.OCI_MANIFEST;
  invalid('manifest has no mediaType, and neither config nor manifests to infer it from');
}

/**
 * zod's English messages for issues describeIssue leaves alone: classic zod installs them
 * globally, zod/mini does not, so without them such an issue would read "Invalid input" in the
 * CLI and English in the server (which loads classic zod for its config).
 */
const english = en().localeError;

function validate<T extends z.ZodMiniType>(schema: T, body: unknown): z.infer<T> {
  const result = schema.safeParse(body, { error: (issue) => describeIssue(issue) ?? english(issue) });
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  if (issue === undefined) invalid('manifest is invalid');
  invalid(`${formatPath(issue.path)}: ${issue.message}`);
}

/** Plain messages for zod's built-in issues ("config.size: must be a number"). */
function describeIssue(issue: { code?: string; input?: unknown; expected?: unknown }): string | undefined {
  if (issue.code !== 'invalid_type') return undefined;
  if (issue.input === undefined) return 'is required';
  const expected = issue.expected === 'record' ? 'object' : String(issue.expected);
  return `must be ${/^[aeiou]/.test(expected) ? 'an' : 'a'} ${expected}`;
}

/** ['layers', 2, 'digest'] -> 'layers[2].digest' */
function formatPath(path: ReadonlyArray<PropertyKey>): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else out += out === '' ? String(part) : `.${String(part)}`;
  }
  return out === '' ? 'manifest' : out;
}

function compact(parsed: ParsedManifest): ParsedManifest {
  for (const key of ['config', 'subject', 'artifactType', 'annotations'] as const) {
    if (parsed[key] === undefined) delete parsed[key];
  }
  return parsed;
}

function invalid(reason: string): never {
  throw new StowageError('MANIFEST_INVALID', oneLine(reason));
}

/** Short, quoted rendering of an untrusted value for a message. */
function show(value: unknown): string {
  let s: string;
  try {
    s = JSON.stringify(value) ?? String(value);
  } catch {
    // Nested too deep to print (RangeError): String() of a deep array would overflow the stack too.
    s = Array.isArray(value) ? '[…]' : typeof value === 'object' && value !== null ? '{…}' : typeof value;
  }
  return s.length > 100 ? `${s.slice(0, 97)}...` : s;
}

/** Escapes control and line-separator characters so the message stays one line. */
function oneLine(text: string): string {
  return text.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
