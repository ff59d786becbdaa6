import type { Readable } from 'node:stream';
import { Digest } from '../../../digest/digest.js';
import { StowageError } from '../../../errors/error.js';
import type { HandlerContext } from '../context.js';
import { parseRange } from '../ranges.js';

/** GET/HEAD /v2/<name>/blobs/<digest>, with a single Range (206/416). */
export async function getBlob(ctx: HandlerContext, name: string, digestText: string): Promise<void> {
  const repository = ctx.store.repository(name);
  const digest = Digest.parse(digestText);
  const info = await repository.blobs.stat(digest);
  if (ctx.request.method === 'GET' && ctx.policy.redirect) {
    const location = await repository.blobs.redirectUrl(digest);
    // HEAD stays here: it costs the stat already made, and a redirect would cost the client a second request.
    if (location) ctx.events?.blobPulled(name, digest, info.size);
    if (location) return ctx.reply.code(307).header('Docker-Content-Digest', digest.toString()).header('Location', location).send();
  }
  return sendBlob(ctx, name, digest, info.size, (range) => repository.blobs.reader(digest, range));
}

/** The response to a blob GET/HEAD: headers, then the bytes or the one range asked for. */
export async function sendBlob(
  ctx: HandlerContext,
  name: string,
  digest: Digest,
  size: number,
  open: (range?: { start: number; end: number }) => Promise<Readable>,
): Promise<void> {
  const info = { size };
  const { reply, request } = ctx;
  reply
    .header('Docker-Content-Digest', digest.toString())
    .header('Content-Type', 'application/octet-stream')
    .header('Accept-Ranges', 'bytes')
    .header('ETag', `"${digest}"`)
    // Content-addressed: the bytes under a digest never change.
    .header('Cache-Control', 'max-age=31536000');
  if (request.method === 'HEAD') {
    reply.header('Content-Length', info.size).code(200);
    return reply.send();
  }
  const range = parseRange(request.headers.range, info.size);
  ctx.events?.blobPulled(name, digest, info.size);
  if (range) {
    reply
      .code(206)
      .header('Content-Range', `bytes ${range.start}-${range.end}/${info.size}`)
      .header('Content-Length', range.end - range.start + 1);
  } else {
    reply.code(200).header('Content-Length', info.size);
  }
  return reply.send(await open(range));
}

/** DELETE /v2/<name>/blobs/<digest>: unlinks the blob from the repository (202). */
export async function deleteBlob(ctx: HandlerContext, name: string, digestText: string): Promise<void> {
  const repository = ctx.store.repository(name);
  const digest = Digest.parse(digestText);
  checkDeleteEnabled(ctx);
  await repository.blobs.unlink(digest);
  await ctx.events?.blobDeleted(name, digest);
  return ctx.reply.code(202).header('Content-Length', 0).send();
}

export function checkDeleteEnabled(ctx: HandlerContext): void {
  if (!ctx.policy.deleteEnabled) {
    throw new StowageError('UNSUPPORTED', 'deletion is disabled on this registry (storage.delete.enabled is false)');
  }
}
