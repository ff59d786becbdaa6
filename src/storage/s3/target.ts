import type { PutObjectCommandInput } from '@aws-sdk/client-s3';
import type { S3Options } from './options.js';

/** One object to write: where it goes, and the parameters every write of it carries. */
export interface ObjectTarget {
  bucket: string;
  key: string;
  /** The driver path, for errors. */
  path: string;
  /** Bucket, key, storage class, ACL and encryption, for PutObject, CreateMultipartUpload and CopyObject. */
  put(): Pick<PutObjectCommandInput, 'Bucket' | 'Key' | 'StorageClass' | 'ACL' | 'ServerSideEncryption' | 'SSEKMSKeyId' | 'ContentType'>;
}

/** distribution's parameters for objects it writes (storagedriver/s3-aws): class, ACL, encryption. */
export function objectTarget(options: S3Options, key: string, path: string): ObjectTarget {
  return {
    bucket: options.bucket,
    key,
    path,
    put: () => ({
      Bucket: options.bucket,
      Key: key,
      ContentType: 'application/octet-stream',
      ...(options.storageClass !== 'NONE' ? { StorageClass: options.storageClass as PutObjectCommandInput['StorageClass'] } : {}),
      ...(options.objectAcl ? { ACL: options.objectAcl as PutObjectCommandInput['ACL'] } : {}),
      ...(options.encrypt
        ? options.keyId
          ? { ServerSideEncryption: 'aws:kms' as const, SSEKMSKeyId: options.keyId }
          : { ServerSideEncryption: 'AES256' as const }
        : {}),
    }),
  };
}
