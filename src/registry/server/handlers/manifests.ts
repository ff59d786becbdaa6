import { Digest } from '../../../digest/digest.js';
import { StowageError } from '../../../errors/error.js';
import { isIndexMediaType, stripParameters } from '../../../oci/media-types.js';
import { isValidTag } from '../../../reference/reference.js';
import { manifestUnknown, type ManifestReference, type StoredManifest } from '../../store/manifests.js';
import { readCappedBody } from '../body.js';
import type { HandlerContext } from '../context.js';
import { checkDeleteEnabled } from './blobs.js';

/** GET/HEAD /v2/<name>/manifests/<tag-or-digest>: the exact bytes, typed as pushed. */
export async function getManifest(ctx: HandlerContext, name: string, reference: string): Promise<void> {
  const repository = ctx.store.repository(name);
  return sendManifest(ctx, await repository.manifests.get(existingReference(name, reference)), name, reference);
}

/** The response to a manifest GET/HEAD: the stored bytes, their type and digest. */
export async function sendManifest(ctx: HandlerContext, manifest: StoredManifest, name: string, reference: string): Promise<void> {
  checkAcceptable(manifest, ctx.request.headers.accept, name, reference);
  const { reply } = ctx;
  if (ctx.request.method === 'GET') ctx.events?.manifestPulled(name, manifest, reference.includes(':') ? undefined : reference);
  reply
    .code(200)
    .header('Content-Type', manifest.mediaType)
    .header('Docker-Content-Digest', manifest.digest.toString())
    .header('ETag', `"${manifest.digest}"`)
    .header('Content-Length', manifest.bytes.length);
  await (ctx.request.method === 'HEAD' ? reply.send() : reply.send(manifest.bytes));
}

/** PUT /v2/<name>/manifests/<tag-or-digest>[?tag=…]: validate, store exactly, tag (201). */
export async function putManifest(ctx: HandlerContext, name: string, reference: string): Promise<void> {
  const repository = ctx.store.repository(name);
  const target = parseManifestReference(reference);
  const extraTags = ctx.query.getAll('tag');
  for (const tag of extraTags) checkTag(tag);
  const bytes = await readCappedBody(ctx.request.raw, ctx.policy.maxManifestBytes);
  const contentType = ctx.request.headers['content-type'];
  const result = await repository.manifests.put(target, bytes, contentType, extraTags);
  await ctx.events?.manifestPushed(name, { digest: result.digest, mediaType: result.mediaType, bytes }, result.tags);
  const { reply } = ctx;
  reply
    .code(201)
    .header('Location', `/v2/${name}/manifests/${result.digest}`)
    .header('Docker-Content-Digest', result.digest.toString())
    .header('Content-Length', 0);
  // Distribution spec, "Pushing Manifests with Subject": tells the client the referrers API has it.
  if (result.subject) reply.header('OCI-Subject', result.subject.toString());
  if (extraTags.length > 0) reply.header('OCI-Tag', result.tags.join(', '));
  return reply.send();
}

/** DELETE /v2/<name>/manifests/<tag-or-digest> (202). */
export async function deleteManifest(ctx: HandlerContext, name: string, reference: string): Promise<void> {
  const repository = ctx.store.repository(name);
  const target = existingReference(name, reference);
  checkDeleteEnabled(ctx);
  await repository.manifests.delete(target);
  await ('tag' in target ? ctx.events?.tagDeleted(name, target.tag) : ctx.events?.manifestDeleted(name, target.digest));
  return ctx.reply.code(202).header('Content-Length', 0).send();
}

/**
 * The reference of a manifest to read or delete. A name that is no valid tag cannot name a
 * manifest, so it is 404 MANIFEST_UNKNOWN, as distribution answers (its route does not match
 * such a reference) and the conformance suite expects of `.INVALID_MANIFEST_NAME`; a push to
 * one stays 400 TAG_INVALID, which tells the pusher why.
 */
export function existingReference(name: string, reference: string): ManifestReference {
  if (!reference.includes(':') && !isValidTag(reference)) throw manifestUnknown(name, reference.slice(0, 140));
  return parseManifestReference(reference);
}

function parseManifestReference(reference: string): ManifestReference {
  if (reference.includes(':')) return { digest: Digest.parse(reference) };
  checkTag(reference);
  return { tag: reference };
}

function checkTag(tag: string): void {
  if (!isValidTag(tag)) throw new StowageError('TAG_INVALID', `invalid tag: ${tag.slice(0, 140)}`);
}

/**
 * A client that lists manifest types in Accept but not the index type gets 404 for an index,
 * as distribution 3 answers: it cannot use what it did not ask for. Image manifests are sent
 * whatever the Accept header says (there is nothing to convert them to).
 */
function checkAcceptable(manifest: StoredManifest, accept: string | undefined, name: string, reference: string): void {
  if (!accept || !isIndexMediaType(manifest.mediaType)) return;
  const accepted = accept.split(',').map(stripParameters);
  const ok = accepted.some((type) => type === manifest.mediaType || type === '*/*' || type === 'application/*');
  if (!ok) {
    throw new StowageError('MANIFEST_UNKNOWN', `${name}:${reference} is an index (${manifest.mediaType}) but the Accept header does not include it`);
  }
}
