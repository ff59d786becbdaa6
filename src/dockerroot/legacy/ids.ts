/**
 * Image IDs of the pre-1.10 graph. They were random (stringid.GenerateRandomID), not digests of
 * anything, so they are kept as docker 1.9 printed them: 64 lowercase hex digits without an
 * algorithm prefix (`docker images --no-trunc`, `docker inspect` .Id). `sha256:<hex>` would
 * claim a content digest that does not exist, and a made-up prefix (`legacy:`) would match
 * nothing a user saw; bare hex matches what they saw, and the CLI's truncateId (text after a
 * ':' if any, cut to 12) prints the same short ID docker 1.9 did. The same text serves as
 * DockerImage.id, DockerLayer.chainId/cacheId (each legacy image is exactly one layer) and
 * `parent`, since legacy stores named all three with the one ID.
 */
export const LEGACY_ID = /^[a-f0-9]{64}$/;

export function isLegacyId(value: unknown): value is string {
  return typeof value === 'string' && LEGACY_ID.test(value);
}

/** The 12-digit form docker 1.9 printed, for messages. */
export function shortId(id: string): string {
  return id.slice(0, 12);
}
