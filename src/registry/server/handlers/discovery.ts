import { Digest } from '../../../digest/digest.js';
import { StowageError } from '../../../errors/error.js';
import { MediaType } from '../../../oci/media-types.js';
import type { HandlerContext } from '../context.js';
import { paginate } from '../pagination.js';

/** GET /v2/: the API is here (200, `{}`). */
export async function getBase(ctx: HandlerContext): Promise<void> {
  return ctx.reply.code(200).header('Content-Type', 'application/json').send('{}');
}

/** GET /v2/<name>/tags/list[?n=&last=] */
export async function listTags(ctx: HandlerContext, name: string): Promise<void> {
  const repository = ctx.store.repository(name);
  const tags = await repository.tags.list();
  if (tags.length === 0 && !(await repository.exists())) {
    throw new StowageError('NAME_UNKNOWN', `repository name not known to registry: ${name}`, { name });
  }
  return sendTags(ctx, name, tags);
}

/** A tags/list page of `tags` (sorted), with its `Link` to the next. */
export async function sendTags(ctx: HandlerContext, name: string, tags: string[]): Promise<void> {
  const page = paginate(tags, ctx.query, `/v2/${name}/tags/list`, Number.MAX_SAFE_INTEGER);
  if (page.link) ctx.reply.header('Link', page.link);
  return ctx.reply.code(200).send({ name, tags: page.items });
}

/**
 * GET /v2/_catalog[?n=&last=]. With access control, only the repositories the caller may pull
 * are listed (filtered before paging, so pages stay full and `last` works as usual).
 */
export async function listRepositories(ctx: HandlerContext): Promise<void> {
  const names = (await ctx.store.catalog()).filter((name) => ctx.grant.lists(name));
  const page = paginate(names, ctx.query, '/v2/_catalog', ctx.policy.maxCatalogEntries);
  if (page.link) ctx.reply.header('Link', page.link);
  return ctx.reply.code(200).send({ repositories: page.items });
}

/** GET /v2/<name>/referrers/<digest>[?artifactType=]: always 200, an OCI index. */
export async function listReferrers(ctx: HandlerContext, name: string, digestText: string): Promise<void> {
  const repository = ctx.store.repository(name);
  const subject = Digest.parse(digestText);
  const artifactType = ctx.query.get('artifactType') ?? undefined;
  const manifests = await repository.referrers.list(subject, artifactType);
  const body = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: MediaType.OCI_INDEX, manifests }));
  return sendReferrersIndex(ctx, body, artifactType !== undefined);
}

/**
 * A referrers index, as bytes. A Buffer, not a string: fastify appends `; charset=utf-8` to a
 * string's Content-Type, and the spec (and its conformance suite) wants exactly the index media type.
 */
export async function sendReferrersIndex(ctx: HandlerContext, body: Buffer, filtered: boolean): Promise<void> {
  if (filtered) ctx.reply.header('OCI-Filters-Applied', 'artifactType');
  return ctx.reply.code(200).header('Content-Type', MediaType.OCI_INDEX).header('Content-Length', body.length).send(body);
}
