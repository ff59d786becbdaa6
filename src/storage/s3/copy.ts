import type { CompletedPart } from '@aws-sdk/client-s3';
import { StowageError } from '../../errors/error.js';
import { createLimiter } from '../../transport/limiter.js';
import type { Connection } from './client.js';
import { MAX_PARTS } from './options.js';
import type { S3Options } from './options.js';
import { objectTarget } from './target.js';

export interface Copy {
  from: string;
  to: string;
  size: number;
  /** The driver path, for errors. */
  path: string;
  /** A copy onto itself needs new metadata (S3 refuses a copy that changes nothing). */
  replaceMetadata: boolean;
}

/** `bucket/key` with the key's characters escaped as x-amz-copy-source wants them. */
function copySource(bucket: string, key: string): string {
  return `${bucket}/${key.split('/').map(encodeURIComponent).join('/')}`;
}

/**
 * A server-side copy: CopyObject up to `multipartcopythresholdsize`, above it a multipart copy
 * of `multipartcopychunksize` parts, `multipartcopymaxconcurrency` at once (distribution's
 * keys and defaults; CopyObject itself stops at 5 GiB).
 */
export async function copyObject({ sdk, client }: Connection, options: S3Options, copy: Copy): Promise<void> {
  const { ContentType: _type, ...put } = objectTarget(options, copy.to, copy.path).put();
  const source = copySource(options.bucket, copy.from);
  if (copy.size <= options.multipartCopyThresholdSize) {
    await client.send(
      new sdk.CopyObjectCommand({
        ...put,
        CopySource: source,
        ...(copy.replaceMetadata
          ? { MetadataDirective: 'REPLACE', ContentType: 'application/octet-stream', Metadata: { 'stowage-touched': String(Date.now()) } }
          : {}),
      }),
    );
    return;
  }
  const partSize = Math.max(options.multipartCopyChunkSize, Math.ceil(copy.size / MAX_PARTS));
  const created = await client.send(new sdk.CreateMultipartUploadCommand({ ...put, ContentType: 'application/octet-stream' }));
  const uploadId = created.UploadId;
  if (!uploadId) throw new StowageError('INTERNAL', `S3 gave no upload id for ${copy.path}`);
  try {
    const limit = createLimiter(options.multipartCopyMaxConcurrency);
    const parts: CompletedPart[] = await Promise.all(
      Array.from({ length: Math.ceil(copy.size / partSize) }, (_, i) =>
        limit(async () => {
          const start = i * partSize;
          const end = Math.min(copy.size, start + partSize) - 1;
          const copied = await client.send(
            new sdk.UploadPartCopyCommand({
              Bucket: options.bucket,
              Key: copy.to,
              UploadId: uploadId,
              PartNumber: i + 1,
              CopySource: source,
              CopySourceRange: `bytes=${start}-${end}`,
            }),
          );
          return { PartNumber: i + 1, ETag: copied.CopyPartResult?.ETag };
        }),
      ),
    );
    await client.send(new sdk.CompleteMultipartUploadCommand({ Bucket: options.bucket, Key: copy.to, UploadId: uploadId, MultipartUpload: { Parts: parts } }));
  } catch (err) {
    await client.send(new sdk.AbortMultipartUploadCommand({ Bucket: options.bucket, Key: copy.to, UploadId: uploadId })).catch(() => undefined);
    throw err;
  }
}
