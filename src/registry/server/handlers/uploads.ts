import { Digest, isSupportedAlgorithm } from '../../../digest/digest.js';
import { StowageError, isStowageError } from '../../../errors/error.js';
import { findBlobSource } from '../../store/mount-sources.js';
import type { BlobInfo } from '../../store/blobs.js';
import type { Repository } from '../../store/repository.js';
import type { Chunk, UploadStatus } from '../../store/uploads.js';
import { bodyStream, hasBody } from '../body.js';
import type { HandlerContext } from '../context.js';
import { parseContentRange } from '../ranges.js';

/**
 * POST /v2/<name>/blobs/uploads/: a cross-repository mount (`mount`+`from`), a monolithic
 * upload (`digest`, body), or a new session (202).
 */
export async function startUpload(ctx: HandlerContext, name: string): Promise<void> {
  const repository = ctx.store.repository(name);
  const { query } = ctx;
  const mount = query.get('mount');
  if (mount !== null) {
    const digest = Digest.parse(mount);
    const mounted = await mountBlob(ctx, repository, digest, query.get('from'));
    if (mounted) {
      await ctx.events?.blobMounted(name, digest, mounted.size, mounted.from);
      return blobCreated(ctx, name, digest);
    }
  }
  const digestParam = query.get('digest');
  if (digestParam !== null) {
    const digest = Digest.parse(digestParam);
    const { size } = await monolithicUpload(repository, digest, bodyStream(ctx.request.raw));
    await ctx.events?.blobPushed(name, digest, size);
    return blobCreated(ctx, name, digest);
  }
  const algorithm = query.get('digest-algorithm') ?? 'sha256';
  if (!isSupportedAlgorithm(algorithm)) {
    throw new StowageError('DIGEST_INVALID', `unsupported digest algorithm: ${algorithm.slice(0, 40)}`);
  }
  const session = await repository.uploads.start(algorithm);
  return uploadResponse(ctx, name, session, 202);
}

/**
 * POST ?digest=: the whole blob in one request, through a session of its own. Nobody else knows
 * that session, so a body cut short must not leave it behind: it is cancelled on any failure
 * (a digest mismatch already ends it; an aborted body does not).
 */
async function monolithicUpload(repository: Repository, digest: Digest, source: AsyncIterable<Uint8Array>): Promise<BlobInfo> {
  const session = await repository.uploads.start(digest.algorithm);
  try {
    return await repository.uploads.complete(session.uuid, digest, { source });
  } catch (err) {
    await repository.uploads.cancel(session.uuid).catch(() => undefined);
    throw err;
  }
}

/** The repository of an upload session that exists and has not expired (BLOB_UPLOAD_UNKNOWN otherwise). */
async function openSession(ctx: HandlerContext, name: string, uuid: string): Promise<Repository> {
  const repository = ctx.store.repository(name);
  await repository.uploads.refuseExpired(uuid, ctx.limits.uploadSessionTtlMs);
  return repository;
}

/**
 * Mounts when the source repository holds the blob and the caller may pull it. An invalid,
 * unreadable or unpullable source is not an error: the spec says to fall back to a normal
 * upload session (202), as distribution does; no answer tells whether the blob was there.
 * Without `from`, and with automatic cross-mounting on, the source is found (findSource).
 */
async function mountBlob(ctx: HandlerContext, target: Repository, digest: Digest, from: string | null): Promise<{ size: number; from: string } | undefined> {
  const source = from === null ? await findSource(ctx, target, digest) : readable(ctx, from);
  if (!source || !(await source.blobs.has(digest))) return undefined;
  return { size: await target.mount(digest), from: source.name };
}

/** A repository by name if the caller may pull it; undefined for a name that is invalid or not readable. */
function readable(ctx: HandlerContext, name: string): Repository | undefined {
  if (!ctx.grant.allows('repository', name, 'pull')) return undefined;
  try {
    return ctx.store.repository(name);
  } catch (err) {
    if (isStowageError(err, 'NAME_INVALID')) return undefined;
    throw err;
  }
}

/** With automatic cross-mounting on (opt-in: it walks the repositories), the source a mount without `from` may use. */
async function findSource(ctx: HandlerContext, target: Repository, digest: Digest): Promise<Repository | undefined> {
  if (!ctx.policy.automaticCrossMount) return undefined;
  if (await target.blobs.has(digest)) return target;
  const name = await findBlobSource(ctx.store.driver, digest, (candidate) => ctx.grant.allows('repository', candidate, 'pull'));
  return name === undefined ? undefined : readable(ctx, name);
}

/** PATCH <location>: appends a chunk; with Content-Range it must continue at the current offset. */
export async function patchUpload(ctx: HandlerContext, name: string, uuid: string): Promise<void> {
  const repository = await openSession(ctx, name, uuid);
  const status = await repository.uploads.append(uuid, chunkOf(ctx));
  return uploadResponse(ctx, name, status, 202);
}

/** PUT <location>?digest=: the optional last chunk, then verification and commit (201). */
export async function completeUpload(ctx: HandlerContext, name: string, uuid: string): Promise<void> {
  const repository = await openSession(ctx, name, uuid);
  const digestParam = ctx.query.get('digest');
  if (digestParam === null) throw new StowageError('DIGEST_INVALID', 'the digest query parameter is required to close an upload');
  const digest = Digest.parse(digestParam);
  const { size } = await repository.uploads.complete(uuid, digest, hasBody(ctx.request.raw) ? chunkOf(ctx) : undefined);
  await ctx.events?.blobPushed(name, digest, size);
  return blobCreated(ctx, name, digest);
}

/** GET <location>: where the upload stands (204). */
export async function getUpload(ctx: HandlerContext, name: string, uuid: string): Promise<void> {
  const status = await (await openSession(ctx, name, uuid)).uploads.status(uuid);
  return uploadResponse(ctx, name, status, 204);
}

/** DELETE <location>: cancels the session (204). */
export async function cancelUpload(ctx: HandlerContext, name: string, uuid: string): Promise<void> {
  await (await openSession(ctx, name, uuid)).uploads.cancel(uuid);
  return ctx.reply.code(204).send();
}

/**
 * The request body as a chunk, with its Content-Range and Content-Length when sent. The store
 * checks them in distribution's order: a range that does not start at the upload's offset is
 * 416 RANGE_INVALID first, a Content-Length that disagrees with the range 400 SIZE_INVALID after.
 */
function chunkOf(ctx: HandlerContext): Chunk {
  const range = contentRange(ctx);
  const header = ctx.request.headers['content-length'];
  const chunk: Chunk = { source: bodyStream(ctx.request.raw) };
  if (range) chunk.range = range;
  if (header !== undefined) chunk.length = Number(header);
  return chunk;
}

function contentRange(ctx: HandlerContext): { start: number; end: number } | undefined {
  const header = ctx.request.headers['content-range'];
  return parseContentRange(Array.isArray(header) ? header[0] : header);
}

function uploadResponse(ctx: HandlerContext, name: string, status: UploadStatus, code: 202 | 204): void {
  ctx.reply
    .code(code)
    .header('Location', `/v2/${name}/blobs/uploads/${status.uuid}`)
    // distribution's form: "0-0" for an empty upload, else 0-<last byte>.
    .header('Range', `0-${Math.max(status.size - 1, 0)}`)
    .header('Docker-Upload-UUID', status.uuid)
    .header('Content-Length', 0)
    .send();
}

function blobCreated(ctx: HandlerContext, name: string, digest: Digest): void {
  ctx.reply.code(201).header('Location', `/v2/${name}/blobs/${digest}`).header('Docker-Content-Digest', digest.toString()).header('Content-Length', 0).send();
}
