/**
 * A registry root holding many repositories, written straight through a storage driver in
 * distribution's layout (src/registry/store/paths.ts) rather than pushed: each repository
 * holds one shared manifest, its config and layer linked as a push links them (distribution's
 * catalog finds repositories by their `_layers` directory), and tags it `latest`. For the
 * database import test and the catalog benchmark, where thousands of pushes would take minutes.
 */
import { Digest } from '../../src/digest/digest.js';
import { writeLink } from '../../src/registry/store/links.js';
import { blobDataPath, layerLinkPath, revisionLinkPath, tagCurrentLinkPath, tagIndexLinkPath } from '../../src/registry/store/paths.js';
import type { StorageDriver } from '../../src/storage/driver.js';
import { createLimiter } from '../../src/transport/limiter.js';

export interface ManyRepositories {
  names: string[];
  manifest: Digest;
}

/** `count` repositories named `<prefix>/repo-00000`…, in sorted order. */
export async function writeManyRepositories(driver: StorageDriver, count: number, prefix = 'many'): Promise<ManyRepositories> {
  const config = Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [] } }));
  const layer = Buffer.from('a layer shared by every repository\n');
  const manifestBytes = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: Digest.of(config).toString(), size: config.length },
      layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar', digest: Digest.of(layer).toString(), size: layer.length }],
    }),
  );
  const manifest = Digest.of(manifestBytes);
  for (const bytes of [config, layer, manifestBytes]) await driver.putContent(blobDataPath(Digest.of(bytes)), bytes);
  const names = Array.from({ length: count }, (_, i) => `${prefix}/repo-${String(i).padStart(5, '0')}`);
  const limit = createLimiter(64);
  await Promise.all(
    names.flatMap((name) => [
      limit(() => writeLink(driver, layerLinkPath(name, Digest.of(config)), Digest.of(config))),
      limit(() => writeLink(driver, layerLinkPath(name, Digest.of(layer)), Digest.of(layer))),
      limit(() => writeLink(driver, revisionLinkPath(name, manifest), manifest)),
      limit(() => writeLink(driver, tagIndexLinkPath(name, 'latest', manifest), manifest)),
      limit(() => writeLink(driver, tagCurrentLinkPath(name, 'latest'), manifest)),
    ]),
  );
  return { names, manifest };
}
