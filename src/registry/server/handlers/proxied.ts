import { Digest } from '../../../digest/digest.js';
import { StowageError } from '../../../errors/error.js';
import type { ProxyTarget } from '../../proxy/routing.js';
import type { HandlerContext } from '../context.js';
import type { Route } from '../routes.js';
import { sendBlob } from './blobs.js';
import { listReferrers, sendReferrersIndex, sendTags } from './discovery.js';
import { existingReference, sendManifest } from './manifests.js';

/**
 * Requests for a repository an upstream serves (src/registry/proxy): reads go through the
 * cache; writes are refused with 403 DENIED, as a cache cannot take content its upstream does
 * not have (the next revalidation would silently undo a pushed tag).
 */
export async function dispatchProxied(route: Route & { name: string }, target: ProxyTarget, ctx: HandlerContext): Promise<void> {
  const proxy = ctx.proxy!;
  const method = ctx.request.method;
  const read = method === 'GET' || method === 'HEAD';
  if (!read) {
    throw new StowageError(
      'DENIED',
      `${route.name} is a cache of ${target.upstream.name} (${target.upstream.settings.remoteUrl}): ${method} is refused; push to the upstream, or to a repository outside the cached names`,
    );
  }
  switch (route.kind) {
    case 'manifest':
      return sendManifest(ctx, await proxy.manifest(target, existingReference(route.name, route.reference)), route.name, route.reference);
    case 'blob': {
      const digest = Digest.parse(route.digest);
      const blob = await proxy.blob(target, digest, method === 'HEAD');
      return sendBlob(ctx, route.name, digest, blob.size, blob.open);
    }
    case 'tags': {
      if (method !== 'GET') break;
      return sendTags(ctx, route.name, await proxy.tags(target));
    }
    case 'referrers': {
      if (method !== 'GET') break;
      // The upstream's answer, as sent; without one (no referrers API upstream, or the upstream
      // down) the referrers this cache holds. Signatures stored as `sha256-<hex>.sig` tags, as
      // cosign writes them to registries without the API, pass as tags.
      const subject = Digest.parse(route.digest);
      const artifactType = ctx.query.get('artifactType') ?? undefined;
      const upstream = await proxy.referrers(target, subject, artifactType);
      if (upstream) return sendReferrersIndex(ctx, upstream.bytes, upstream.filtered);
      return listReferrers(ctx, target.local, route.digest);
    }
    default:
      break;
  }
  throw new StowageError('UNSUPPORTED', `${method} is not supported on this endpoint`);
}
