import { z } from 'zod';
import { StowageError } from '../../errors/error.js';
import { defineDriver } from '../definition.js';
import { endpointUrl } from './client.js';
import { S3Driver } from './driver.js';
import { MAX_PART_SIZE, MIN_PART_SIZE, type S3Options } from './options.js';

const Text = z.union([z.string(), z.number().transform(String)]);
const Flag = z.union([z.boolean(), z.enum(['true', 'false']).transform((v) => v === 'true')]);
const Bytes = z.union([z.number().int().nonnegative(), z.string().regex(/^\d+$/).transform(Number)]);
const Count = z.union([
  z.number().int().positive(),
  z
    .string()
    .regex(/^[1-9]\d*$/)
    .transform(Number),
]);

/** distribution's defaults (registry/storage/driver/s3-aws/s3.go). */
const DEFAULT_CHUNK_SIZE = 10 * 1024 * 1024;
const DEFAULT_COPY_THRESHOLD = 32 * 1024 * 1024;
const DEFAULT_COPY_CHUNK = 32 * 1024 * 1024;
const DEFAULT_COPY_CONCURRENCY = 100;

function invalid(key: string, why: string): StowageError {
  return new StowageError('CONFIG_INVALID', `storage.s3.${key}: ${why}`);
}

/**
 * `storage.s3`: distribution's S3 driver keys, with its defaults and its layout in the bucket.
 * Without `accesskey`/`secretkey` the SDK's own chain finds credentials (AWS_ACCESS_KEY_ID...,
 * AWS_PROFILE and ~/.aws, an instance or task role), as distribution's does.
 */
export const s3Driver = defineDriver({
  name: 's3',
  keys: {
    accesskey: { value: Text, env: 'text' },
    secretkey: { value: Text, env: 'text' },
    sessiontoken: { value: Text, env: 'text' },
    region: { value: Text, env: 'text' },
    regionendpoint: { value: Text, env: 'text' },
    bucket: { value: Text, env: 'text' },
    rootdirectory: { value: Text, env: 'text' },
    secure: { value: Flag, env: 'yaml' },
    skipverify: { value: Flag, env: 'yaml' },
    v4auth: { value: Flag, env: 'yaml' },
    forcepathstyle: { value: Flag, env: 'yaml' },
    chunksize: { value: Bytes, env: 'yaml' },
    multipartcopythresholdsize: { value: Bytes, env: 'yaml' },
    multipartcopychunksize: { value: Bytes, env: 'yaml' },
    multipartcopymaxconcurrency: { value: Count, env: 'yaml' },
    encrypt: { value: Flag, env: 'yaml' },
    keyid: { value: Text, env: 'text' },
    storageclass: { value: Text, env: 'text' },
    objectacl: { value: Text, env: 'text' },
    useragent: { value: Text, env: 'text' },
    usedualstack: { value: Flag, env: 'yaml' },
    accelerate: { value: Flag, env: 'yaml' },
    maxattempts: { value: Count, env: 'yaml' },
    loglevel: { ignored: "the AWS SDK's request log; Stowage logs storage errors itself" },
  },
  options: (values): S3Options => {
    if (!values.bucket) throw invalid('bucket', 'is required');
    if (!values.region) throw invalid('region', 'is required (any name, such as us-east-1, for an S3-compatible endpoint)');
    if (values.v4auth === false) throw invalid('v4auth', 'false asks for AWS signature version 2, which the AWS SDK for JavaScript v3 cannot sign');
    const chunkSize = values.chunksize ?? DEFAULT_CHUNK_SIZE;
    if (chunkSize < MIN_PART_SIZE || chunkSize > MAX_PART_SIZE)
      throw invalid('chunksize', `${chunkSize} is outside S3's part sizes (${MIN_PART_SIZE} to ${MAX_PART_SIZE})`);
    const copyChunk = values.multipartcopychunksize ?? DEFAULT_COPY_CHUNK;
    if (copyChunk < MIN_PART_SIZE || copyChunk > MAX_PART_SIZE)
      throw invalid('multipartcopychunksize', `${copyChunk} is outside S3's part sizes (${MIN_PART_SIZE} to ${MAX_PART_SIZE})`);
    const threshold = values.multipartcopythresholdsize ?? DEFAULT_COPY_THRESHOLD;
    if (threshold > MAX_PART_SIZE) throw invalid('multipartcopythresholdsize', `${threshold} is over CopyObject's limit (${MAX_PART_SIZE})`);
    const rootDirectory = (values.rootdirectory ?? '').replace(/^\/+|\/+$/g, '');
    if (rootDirectory !== '' && !rootDirectory.split('/').every((part) => /^[A-Za-z0-9._-]+$/.test(part) && part !== '.' && part !== '..')) {
      throw invalid('rootdirectory', `"${rootDirectory.slice(0, 80)}" is not a path of letters, digits, '.', '_' and '-'`);
    }
    if (values.keyid && !values.encrypt) throw invalid('keyid', 'is used only with encrypt: true');
    if (values.accesskey && !values.secretkey) throw invalid('secretkey', 'is required with accesskey');
    if (values.secretkey && !values.accesskey) throw invalid('accesskey', 'is required with secretkey');
    return {
      bucket: values.bucket,
      region: values.region,
      ...(values.regionendpoint ? { regionEndpoint: values.regionendpoint } : {}),
      rootDirectory,
      ...(values.accesskey ? { accessKey: values.accesskey } : {}),
      ...(values.secretkey ? { secretKey: values.secretkey } : {}),
      ...(values.sessiontoken ? { sessionToken: values.sessiontoken } : {}),
      secure: values.secure ?? true,
      // distribution 2.8 uses path-style addressing whenever an endpoint is given.
      forcePathStyle: values.forcepathstyle ?? values.regionendpoint !== undefined,
      skipVerify: values.skipverify ?? false,
      chunkSize,
      multipartCopyThresholdSize: threshold,
      multipartCopyChunkSize: copyChunk,
      multipartCopyMaxConcurrency: values.multipartcopymaxconcurrency ?? DEFAULT_COPY_CONCURRENCY,
      encrypt: values.encrypt ?? false,
      ...(values.keyid ? { keyId: values.keyid } : {}),
      storageClass: values.storageclass ?? 'STANDARD',
      objectAcl: values.objectacl ?? 'private',
      ...(values.useragent ? { userAgent: values.useragent } : {}),
      useDualStack: values.usedualstack ?? false,
      accelerate: values.accelerate ?? false,
      maxAttempts: values.maxattempts ?? 5,
    };
  },
  create: (options) => new S3Driver(options),
  prepare: (options) => new S3Driver(options).checkBucket(),
  describe: (options) => {
    const where = endpointUrl(options) ?? `AWS ${options.region}`;
    return `s3 bucket ${options.bucket}${options.rootDirectory ? `/${options.rootDirectory}` : ''} at ${where}`;
  },
});
