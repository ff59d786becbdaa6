// zod/mini, not zod: the same validators as tree-shakable functions, so the CLI verbs that read
// manifests do not load classic zod's method-laden schemas.
import * as z from 'zod/mini';
import { Digest } from '../digest/digest.js';
import { MEDIA_TYPE_PATTERN } from './media-types.js';

/** image-index.md, "platform": architecture and os are required; the rest optional. */
export interface Platform {
  architecture: string;
  os: string;
  'os.version'?: string;
  'os.features'?: string[];
  variant?: string;
  features?: string[];
}

/** descriptor.md, "Properties". */
export interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
  urls?: string[];
  annotations?: Record<string, string>;
  artifactType?: string;
  platform?: Platform;
  data?: string;
}

/** descriptor.md: `mediaType` and `artifactType` MUST comply with RFC 6838 section 4.2. */
export const mediaTypeSchema = z.string().check(z.regex(MEDIA_TYPE_PATTERN, { error: 'invalid media type' }));

/** annotations.md: a string-string map. */
export const annotationsSchema = z.record(z.string(), z.string());

/** Only the digests Digest.parse accepts (sha256, sha512): anything else could not be verified. */
const digestSchema = z.string().check((ctx) => {
  try {
    Digest.parse(ctx.value);
  } catch (err) {
    ctx.issues.push({
      code: 'custom',
      input: ctx.value,
      message: err instanceof Error ? err.message : 'invalid digest',
    });
  }
});

/** descriptor.md: `size` is an int64 that MUST NOT be negative; we also need it exact in a JS number. */
const sizeSchema = z.number().check(z.refine((n) => Number.isSafeInteger(n) && n >= 0, { error: 'must be a non-negative integer' }));

export const platformSchema = z.object({
  architecture: z.string(),
  os: z.string(),
  'os.version': z.optional(z.string()),
  'os.features': z.optional(z.array(z.string())),
  variant: z.optional(z.string()),
  features: z.optional(z.array(z.string())),
});

/** Unknown fields are dropped from the parsed value (the stored bytes keep them). */
export const descriptorSchema = z.object({
  mediaType: mediaTypeSchema,
  digest: digestSchema,
  size: sizeSchema,
  urls: z.optional(z.array(z.string())),
  annotations: z.optional(annotationsSchema),
  artifactType: z.optional(mediaTypeSchema),
  platform: z.optional(platformSchema),
  data: z.optional(z.string()),
});
