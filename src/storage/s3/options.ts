/** What the S3 driver is opened with: distribution's `storage.s3` keys, parsed (definition.ts). */
export interface S3Options {
  bucket: string;
  region: string;
  /** An S3-compatible endpoint (`http://127.0.0.1:7480`); AWS's own when absent. */
  regionEndpoint?: string;
  /** The prefix of every key, without leading or trailing slash ('' for the bucket's root). */
  rootDirectory: string;
  /** Static credentials; absent: the SDK's chain (AWS_* variables, ~/.aws profile, instance role). */
  accessKey?: string;
  secretKey?: string;
  sessionToken?: string;
  /** https (true) or http for an endpoint given without a scheme. */
  secure: boolean;
  forcePathStyle: boolean;
  skipVerify: boolean;
  /** Bytes per multipart part (distribution's `chunksize`, at least 5 MiB). */
  chunkSize: number;
  /** Above this size a copy is a multipart copy of `multipartCopyChunkSize` parts. */
  multipartCopyThresholdSize: number;
  multipartCopyChunkSize: number;
  multipartCopyMaxConcurrency: number;
  /** Server-side encryption: AES256, or aws:kms with `keyId`. */
  encrypt: boolean;
  keyId?: string;
  /** `NONE` (send no storage class) or an S3 class; distribution's default is STANDARD. */
  storageClass: string;
  objectAcl: string;
  userAgent?: string;
  useDualStack: boolean;
  accelerate: boolean;
  /** Attempts per request for throttling (SlowDown, 503) and network errors, with backoff. */
  maxAttempts: number;
}

/** S3's smallest part (except the last): 5 MiB. */
export const MIN_PART_SIZE = 5 * 1024 * 1024;
/** S3's largest single part or copy: 5 GiB. */
export const MAX_PART_SIZE = 5 * 1024 * 1024 * 1024;
/** S3's most parts in one multipart upload. */
export const MAX_PARTS = 10_000;
