import { z } from 'zod';
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
export const mediaTypeSchema = z.string().regex(MEDIA_TYPE_PATTERN, { error: 'invalid media type' });

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
const sizeSchema = z
  .number()
  .refine((n) => Number.isSafeInteger(n) && n >= 0, { error: 'must be a non-negative integer' });

export const platformSchema = z.object({
  architecture: z.string(),
  os: z.string(),
  'os.version': z.string().optional(),
  'os.features': z.array(z.string()).optional(),
  variant: z.string().optional(),
  features: z.array(z.string()).optional(),
});

/** Unknown fields are dropped from the parsed value (the stored bytes keep them). */
export const descriptorSchema = z.object({
  mediaType: mediaTypeSchema,
  digest: digestSchema,
  size: sizeSchema,
  urls: z.array(z.string()).optional(),
  annotations: annotationsSchema.optional(),
  artifactType: mediaTypeSchema.optional(),
  platform: platformSchema.optional(),
  data: z.string().optional(),
});
