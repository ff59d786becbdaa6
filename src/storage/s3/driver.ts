import type { Readable } from 'node:stream';
import { Readable as ReadableStream } from 'node:stream';
import type { _Object } from '@aws-sdk/client-s3';
import type { FileInfo, FileWriter, MoveOptions, PutOptions, StorageDriver } from '../driver.js';
import { checkFilePath, checkPath, childPath, pathExists, pathNotFound, resolveRange, TEMP_PREFIX } from '../path.js';
import { StowageError } from '../../errors/error.js';
import { type Connection, commonJs, connect, endpointUrl } from './client.js';
import { copyObject } from './copy.js';
import { isNotFound, s3Error, statusOf } from './errors.js';
import type { S3Options } from './options.js';
import { objectTarget } from './target.js';
import { isComponent, sortedTree } from './tree.js';
import { S3Writer } from './writer.js';

/** How long a redirect URL is valid: distribution's 20 minutes. */
const REDIRECT_SECONDS = 20 * 60;

/** DeleteObjects takes at most 1,000 keys. */
const DELETE_BATCH = 1000;

/**
 * distribution's S3 driver (registry/storage/driver/s3-aws) over @aws-sdk/client-s3, with the
 * same key layout: a driver path `/docker/registry/v2/...` is the key
 * `<rootdirectory>/docker/registry/v2/...`, so either registry reads a bucket the other wrote.
 *
 * An object store has keys, not directories: a directory is a prefix some key has, it exists
 * while something lies under it and vanishes with its last file, and a key may share its path
 * with a prefix (nothing forbids `a` and `a/b`). A move is a copy and a delete, so a moved
 * file's time is the move's (movesKeepTime: false), and a directory moves file by file.
 */
export class S3Driver implements StorageDriver {
  readonly name = 's3';
  readonly movesKeepTime = false;
  readonly touchCopies = true;
  private connecting?: Promise<Connection>;

  constructor(readonly options: S3Options) {}

  readonly connection = (): Promise<Connection> => {
    this.connecting ??= connect(this.options);
    return this.connecting;
  };

  /**
   * One HeadBucket before a server starts: a missing bucket, refused credentials or an endpoint
   * that does not answer stop `serve` with one line, not a 500 on every request (distribution
   * needs the bucket to exist too; neither creates it).
   */
  async checkBucket(): Promise<void> {
    const { sdk, client } = await this.connection();
    const where = `bucket ${this.options.bucket} at ${endpointUrl(this.options) ?? `AWS ${this.options.region}`}`;
    try {
      await client.send(new sdk.HeadBucketCommand({ Bucket: this.options.bucket }));
    } catch (err) {
      const status = statusOf(err);
      const why =
        status === 404
          ? 'does not exist (create it first)'
          : status === 403 || status === 401
            ? 'refuses these credentials (storage.s3.accesskey/secretkey, or the AWS SDK chain)'
            : `cannot be reached: ${(err as Error).message || (err as { name?: string }).name || status}`;
      throw new StowageError('CONFIG_INVALID', `storage.s3.bucket: ${where} ${why}`);
    }
  }

  async getContent(path: string): Promise<Buffer> {
    const key = this.fileKey(path);
    const { sdk, client } = await this.connection();
    try {
      const got = await client.send(new sdk.GetObjectCommand({ Bucket: this.options.bucket, Key: key }));
      return Buffer.from(await (got.Body as { transformToByteArray(): Promise<Uint8Array> }).transformToByteArray());
    } catch (err) {
      throw s3Error(err, path);
    }
  }

  /**
   * One PutObject: S3 replaces an object atomically. `exclusive` is a conditional PUT
   * (If-None-Match: *), which S3 and RGW answer 412 when the key exists. `private` changes
   * nothing: the bucket's policy decides who reads it.
   */
  async putContent(path: string, content: Uint8Array, options: PutOptions = {}): Promise<void> {
    const key = this.fileKey(checkFilePath(path));
    const { sdk, client } = await this.connection();
    const body = Buffer.from(content);
    try {
      await client.send(
        new sdk.PutObjectCommand({
          ...objectTarget(this.options, key, path).put(),
          Body: body,
          ContentLength: body.length,
          ...(options.exclusive ? { IfNoneMatch: '*' } : {}),
        }),
      );
    } catch (err) {
      if (options.exclusive && statusOf(err) === 412) throw pathExists(path);
      throw s3Error(err, path);
    }
  }

  /**
   * A ranged GetObject, streamed as it arrives. The size is not asked first: only a range S3
   * refuses (416, at or past the end) costs a HeadObject, to tell an empty read from an
   * impossible one.
   */
  async reader(path: string, options: { offset?: number; end?: number } = {}): Promise<Readable> {
    const key = this.fileKey(path);
    // The checks that need no size (negative, fractional, end before offset) before any request.
    resolveRange(path, Number.MAX_SAFE_INTEGER, options);
    const start = options.offset ?? 0;
    const range = start > 0 || options.end !== undefined ? `bytes=${start}-${options.end ?? ''}` : undefined;
    const { sdk, client } = await this.connection();
    if (options.end !== undefined && options.end < start) {
      await this.stat(path);
      return ReadableStream.from([]);
    }
    try {
      const got = await client.send(new sdk.GetObjectCommand({ Bucket: this.options.bucket, Key: key, ...(range ? { Range: range } : {}) }));
      return got.Body as Readable;
    } catch (err) {
      if (statusOf(err) !== 416) throw s3Error(err, path);
      const info = await this.stat(path);
      if (info.isDirectory) throw pathNotFound(path);
      if (resolveRange(path, info.size, options)) throw err;
      return ReadableStream.from([]);
    }
  }

  /** Without `append` the object is emptied at once (a truncation, as on a filesystem). */
  async writer(path: string, append: boolean): Promise<FileWriter> {
    const key = this.fileKey(checkFilePath(path));
    let existing = 0;
    if (append) {
      const info = await this.headFile(path);
      existing = info?.size ?? 0;
    } else {
      await this.putContent(path, new Uint8Array(0));
    }
    return new S3Writer(this.connection, objectTarget(this.options, key, path), existing, this.options.chunkSize);
  }

  async stat(path: string): Promise<FileInfo> {
    checkPath(path);
    if (path === '/') return { path, size: 0, modTime: new Date(0), isDirectory: true };
    const file = await this.headFile(path);
    if (file) return file;
    const { sdk, client } = await this.connection();
    try {
      const listed = await client.send(new sdk.ListObjectsV2Command({ Bucket: this.options.bucket, Prefix: this.prefix(path), MaxKeys: 1 }));
      const first = listed.Contents?.[0];
      if (!first) throw pathNotFound(path);
      return { path, size: 0, modTime: first.LastModified ?? new Date(0), isDirectory: true };
    } catch (err) {
      throw s3Error(err, path);
    }
  }

  /** One HeadObject. */
  async statFile(path: string): Promise<FileInfo | undefined> {
    checkFilePath(path);
    return this.headFile(path);
  }

  async list(path: string): Promise<string[]> {
    checkPath(path);
    const prefix = this.prefix(path);
    const names = new Set<string>();
    let any = false;
    const { sdk, client } = await this.connection();
    let token: string | undefined;
    try {
      do {
        const page = await client.send(
          new sdk.ListObjectsV2Command({ Bucket: this.options.bucket, Prefix: prefix, Delimiter: '/', ...(token ? { ContinuationToken: token } : {}) }),
        );
        for (const object of page.Contents ?? []) {
          any = true;
          names.add((object.Key ?? '').slice(prefix.length));
        }
        for (const common of page.CommonPrefixes ?? []) {
          any = true;
          names.add((common.Prefix ?? '').slice(prefix.length, -1));
        }
        token = page.IsTruncated ? page.NextContinuationToken : undefined;
      } while (token);
    } catch (err) {
      throw s3Error(err, path);
    }
    if (!any && path !== '/') throw pathNotFound(path);
    return [...names]
      .filter((name) => isComponent(name) && !name.startsWith(TEMP_PREFIX))
      .sort()
      .map((name) => childPath(path, name));
  }

  /**
   * A file: one server-side copy (a multipart copy above `multipartcopythresholdsize`), then the
   * source's delete. A directory: its files one by one, in reverse lexical order, so that a
   * tag's `current/link` lands after its `index/` entry (a tag is listed once it resolves,
   * store/tags.ts); not atomic, which object stores cannot be. PATH_EXISTS, as on a
   * filesystem, when the destination directory holds anything.
   */
  async move(source: string, destination: string, _options: MoveOptions = {}): Promise<void> {
    const from = this.fileKey(checkFilePath(source));
    const to = this.fileKey(checkFilePath(destination));
    const { sdk, client } = await this.connection();
    const file = await this.headFile(source);
    if (file) {
      await this.copy(from, to, file.size, destination);
      await client.send(new sdk.DeleteObjectCommand({ Bucket: this.options.bucket, Key: from })).catch((err: unknown) => {
        throw s3Error(err, source);
      });
      return;
    }
    const objects = await this.listAll(this.prefix(source), source);
    if (objects.length === 0) throw pathNotFound(source);
    if ((await this.listAll(this.prefix(destination), destination, 1)).length > 0) throw pathExists(destination);
    const keys = objects
      .map((object) => object.Key ?? '')
      .sort()
      .reverse();
    const sizes = new Map(objects.map((object) => [object.Key ?? '', object.Size ?? 0]));
    for (const key of keys) await this.copy(key, `${to}/${key.slice(from.length + 1)}`, sizes.get(key) ?? 0, destination);
    await this.deleteKeys(keys, source);
  }

  async delete(path: string): Promise<void> {
    const key = this.fileKey(checkFilePath(path));
    const { sdk, client } = await this.connection();
    if (await this.headFile(path)) {
      await client.send(new sdk.DeleteObjectCommand({ Bucket: this.options.bucket, Key: key })).catch((err: unknown) => {
        throw s3Error(err, path);
      });
      return;
    }
    const objects = await this.listAll(this.prefix(path), path);
    if (objects.length === 0) throw pathNotFound(path);
    await this.deleteKeys(
      objects.map((object) => object.Key ?? ''),
      path,
    );
  }

  /** A copy onto itself with replaced metadata: S3's only way to set LastModified to now. */
  async touch(path: string): Promise<boolean> {
    const key = this.fileKey(checkFilePath(path));
    const file = await this.headFile(path);
    if (!file) return false;
    try {
      await this.copy(key, key, file.size, path, true);
      return true;
    } catch (err) {
      if (isNotFound(err) || isNotFound(s3Error(err, path))) return false;
      throw err;
    }
  }

  /** An object store has no empty directories: a prefix is gone with its last key. */
  async removeEmptyDirectory(path: string): Promise<boolean> {
    checkFilePath(path);
    return false;
  }

  /**
   * One flat listing of everything under `path` (1,000 keys a request), ordered as a
   * depth-first walk of directories would visit it (tree.ts); `visit` returning false for a
   * directory skips what lies below it.
   */
  async walk(
    path: string,
    visit: (info: FileInfo) => boolean | undefined | Promise<boolean | undefined>,
    options: { temporary?: boolean } = {},
  ): Promise<void> {
    checkPath(path);
    const prefix = this.prefix(path);
    const objects = await this.listAll(prefix, path);
    if (objects.length === 0 && path !== '/') throw pathNotFound(path);
    let skipping: string | undefined;
    for (const entry of sortedTree(objects, prefix, path, { temporary: options.temporary === true })) {
      if (skipping !== undefined && entry.path.startsWith(skipping)) continue;
      skipping = undefined;
      const result = await visit(entry);
      if (result === false && entry.isDirectory) skipping = `${entry.path}/`;
    }
  }

  /**
   * A presigned GetObject URL, valid for 20 minutes as distribution's: the client fetches the
   * bytes (and any range) from S3 directly, signed with this driver's credentials.
   */
  async redirectUrl(path: string): Promise<string> {
    const key = this.fileKey(checkFilePath(path));
    const [{ sdk, client }, { getSignedUrl }] = await Promise.all([this.connection(), import('@aws-sdk/s3-request-presigner').then(commonJs)]);
    return getSignedUrl(client, new sdk.GetObjectCommand({ Bucket: this.options.bucket, Key: key }), { expiresIn: REDIRECT_SECONDS });
  }

  private async copy(from: string, to: string, size: number, path: string, replaceMetadata = false): Promise<void> {
    try {
      await copyObject(await this.connection(), this.options, { from, to, size, path, replaceMetadata });
    } catch (err) {
      throw s3Error(err, path);
    }
  }

  private async headFile(path: string): Promise<FileInfo | undefined> {
    const key = this.fileKey(path);
    const { sdk, client } = await this.connection();
    try {
      const head = await client.send(new sdk.HeadObjectCommand({ Bucket: this.options.bucket, Key: key }));
      return { path, size: head.ContentLength ?? 0, modTime: head.LastModified ?? new Date(0), isDirectory: false };
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw s3Error(err, path);
    }
  }

  /** Every object under `prefix` (all pages), or at most `max`. */
  private async listAll(prefix: string, path: string, max = Number.POSITIVE_INFINITY): Promise<_Object[]> {
    const { sdk, client } = await this.connection();
    const objects: _Object[] = [];
    let token: string | undefined;
    try {
      do {
        const page = await client.send(
          new sdk.ListObjectsV2Command({
            Bucket: this.options.bucket,
            Prefix: prefix,
            ...(Number.isFinite(max) ? { MaxKeys: max } : {}),
            ...(token ? { ContinuationToken: token } : {}),
          }),
        );
        objects.push(...(page.Contents ?? []));
        token = page.IsTruncated && objects.length < max ? page.NextContinuationToken : undefined;
      } while (token);
    } catch (err) {
      throw s3Error(err, path);
    }
    return objects;
  }

  private async deleteKeys(keys: string[], path: string): Promise<void> {
    const { sdk, client } = await this.connection();
    for (let i = 0; i < keys.length; i += DELETE_BATCH) {
      const batch = keys.slice(i, i + DELETE_BATCH);
      try {
        const result = await client.send(
          new sdk.DeleteObjectsCommand({ Bucket: this.options.bucket, Delete: { Objects: batch.map((Key) => ({ Key })), Quiet: true } }),
        );
        const failed = result.Errors?.find((error) => error.Code !== 'NoSuchKey');
        if (failed) throw Object.assign(new Error(`S3 did not delete ${failed.Key}: ${failed.Code}`), { name: failed.Code });
      } catch (err) {
        throw s3Error(err, path);
      }
    }
  }

  /** The key of a driver path (checked first: nothing unchecked reaches S3). */
  private fileKey(path: string): string {
    checkPath(path);
    if (path === '/') throw pathNotFound(path);
    const relative = path.slice(1);
    return this.options.rootDirectory ? `${this.options.rootDirectory}/${relative}` : relative;
  }

  /** The prefix of what lies under a directory path. */
  private prefix(path: string): string {
    checkPath(path);
    if (path === '/') return this.options.rootDirectory ? `${this.options.rootDirectory}/` : '';
    return `${this.fileKey(path)}/`;
  }
}
