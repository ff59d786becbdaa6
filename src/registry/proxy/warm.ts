import { Digest } from '../../digest/digest.js';
import type { ParsedManifest } from '../../oci/manifest.js';
import type { ManifestReference } from '../store/manifests.js';
import type { ProxyCache } from './cache.js';
import { cachedTarget, type ImageRef } from './inventory.js';

/** What `warm` pulled: the image, how much it holds and how much of it came from the upstream now. */
export interface WarmReport {
  repository: string;
  reference: string;
  digest: string;
  upstream: string;
  manifests: number;
  blobs: number;
  /** Every blob's bytes, read through the cache. */
  bytes: number;
  /** What the upstream sent for this run (the rest was cached already). */
  bytesFetched: number;
  /** The upstream could not answer for a tag and the cached copy was served instead (nothing was refreshed). */
  stale: boolean;
}

/**
 * Pulls an IMAGE through the cache as a client would: the manifest (tag `latest` when none is
 * given), every child of an index, and every blob, read to the end and waited for until the
 * store holds it. What is cached already is read locally; the report says what was fetched.
 */
export async function warmCache(cache: ProxyCache, image: ImageRef): Promise<WarmReport> {
  const target = await cachedTarget(cache, image.name);
  const { bytesFetched: startBytes, staleServes } = target.upstream.stats;
  const reference: ManifestReference = image.digest ? { digest: image.digest } : { tag: image.tag ?? 'latest' };
  const top = await cache.manifest(target, reference);
  const report: WarmReport = {
    repository: target.local,
    reference: image.digest ? image.digest.toString() : (image.tag ?? 'latest'),
    digest: top.digest.toString(),
    upstream: target.upstream.name,
    manifests: 0,
    blobs: 0,
    bytes: 0,
    bytesFetched: 0,
    stale: false,
  };
  const seen = new Set<string>();
  const pull = async (parsed: ParsedManifest | undefined): Promise<void> => {
    report.manifests++;
    if (!parsed) return;
    for (const blob of [...(parsed.config ? [parsed.config] : []), ...parsed.layers]) {
      if (seen.has(blob.digest) || (blob.urls?.length ?? 0) > 0) continue;
      seen.add(blob.digest);
      const answer = await cache.blob(target, Digest.parse(blob.digest), false);
      for await (const chunk of await answer.open()) report.bytes += (chunk as Buffer).length;
      await answer.stored;
      report.blobs++;
    }
    for (const child of parsed.manifests) {
      if (seen.has(child.digest)) continue;
      seen.add(child.digest);
      const manifest = await cache.manifest(target, { digest: Digest.parse(child.digest) });
      await pull(manifest.parsed);
    }
  };
  await pull(top.parsed);
  report.bytesFetched = target.upstream.stats.bytesFetched - startBytes;
  report.stale = target.upstream.stats.staleServes > staleServes;
  return report;
}
