import { StowageError } from '../../errors/error.js';
import type { HandlerContext } from './context.js';
import { deleteBlob, getBlob } from './handlers/blobs.js';
import { dispatchProxied } from './handlers/proxied.js';
import { getBase, listReferrers, listRepositories, listTags } from './handlers/discovery.js';
import { deleteManifest, getManifest, putManifest } from './handlers/manifests.js';
import { cancelUpload, completeUpload, getUpload, patchUpload, startUpload } from './handlers/uploads.js';
import type { Route } from './routes.js';

type Handler = (ctx: HandlerContext) => Promise<void>;

/** Which handler answers which method on which route; anything else is 405 UNSUPPORTED. */
function handlerFor(route: Route, method: string): Handler | undefined {
  const read = method === 'GET' || method === 'HEAD';
  switch (route.kind) {
    case 'base':
      return read ? getBase : undefined;
    case 'catalog':
      return method === 'GET' ? listRepositories : undefined;
    case 'tags':
      return method === 'GET' ? (ctx) => listTags(ctx, route.name) : undefined;
    case 'manifest':
      if (read) return (ctx) => getManifest(ctx, route.name, route.reference);
      if (method === 'PUT') return (ctx) => putManifest(ctx, route.name, route.reference);
      if (method === 'DELETE') return (ctx) => deleteManifest(ctx, route.name, route.reference);
      return undefined;
    case 'blob':
      if (read) return (ctx) => getBlob(ctx, route.name, route.digest);
      if (method === 'DELETE') return (ctx) => deleteBlob(ctx, route.name, route.digest);
      return undefined;
    case 'uploads':
      return method === 'POST' ? (ctx) => startUpload(ctx, route.name) : undefined;
    case 'upload':
      if (method === 'GET') return (ctx) => getUpload(ctx, route.name, route.uuid);
      if (method === 'PATCH') return (ctx) => patchUpload(ctx, route.name, route.uuid);
      if (method === 'PUT') return (ctx) => completeUpload(ctx, route.name, route.uuid);
      if (method === 'DELETE') return (ctx) => cancelUpload(ctx, route.name, route.uuid);
      return undefined;
    case 'referrers':
      return method === 'GET' ? (ctx) => listReferrers(ctx, route.name, route.digest) : undefined;
  }
}

export async function dispatch(route: Route, ctx: HandlerContext): Promise<void> {
  if (ctx.proxy && 'name' in route) {
    // Writes and upload sessions never fall back to the default upstream: a push to a new
    // unprefixed name creates a hosted repository (only `<host>/…` and ?ns= names are refused).
    const read = (ctx.request.method === 'GET' || ctx.request.method === 'HEAD') && route.kind !== 'uploads' && route.kind !== 'upload';
    const target = await ctx.proxy.resolve(route.name, ctx.query, read);
    if (target) return dispatchProxied(route, target, ctx);
  }
  const handler = handlerFor(route, ctx.request.method);
  if (!handler) {
    throw new StowageError('UNSUPPORTED', `${ctx.request.method} is not supported on this endpoint`);
  }
  return handler(ctx);
}
