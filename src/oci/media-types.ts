/**
 * Media types of the OCI image spec (media-types.md) and of Docker image manifest v2 schema 2
 * (docker/manifest-v2-2.md), plus the schema 1 types we recognise only to refuse.
 */
export const MediaType = {
  OCI_MANIFEST: 'application/vnd.oci.image.manifest.v1+json',
  OCI_INDEX: 'application/vnd.oci.image.index.v1+json',
  OCI_CONFIG: 'application/vnd.oci.image.config.v1+json',
  OCI_LAYER_TAR: 'application/vnd.oci.image.layer.v1.tar',
  OCI_LAYER_GZIP: 'application/vnd.oci.image.layer.v1.tar+gzip',
  OCI_LAYER_ZSTD: 'application/vnd.oci.image.layer.v1.tar+zstd',
  OCI_EMPTY: 'application/vnd.oci.empty.v1+json',
  DOCKER_MANIFEST: 'application/vnd.docker.distribution.manifest.v2+json',
  DOCKER_MANIFEST_LIST: 'application/vnd.docker.distribution.manifest.list.v2+json',
  DOCKER_CONFIG: 'application/vnd.docker.container.image.v1+json',
  DOCKER_LAYER: 'application/vnd.docker.image.rootfs.diff.tar.gzip',
  DOCKER_FOREIGN_LAYER: 'application/vnd.docker.image.rootfs.foreign.diff.tar.gzip',
  DOCKER_SCHEMA1: 'application/vnd.docker.distribution.manifest.v1+json',
  DOCKER_SCHEMA1_SIGNED: 'application/vnd.docker.distribution.manifest.v1+prettyjws',
} as const;

/** The manifest types a registry stores under /manifests/: two image manifests, two indexes. */
export const MANIFEST_MEDIA_TYPES: readonly string[] = Object.freeze([
  MediaType.OCI_MANIFEST,
  MediaType.OCI_INDEX,
  MediaType.DOCKER_MANIFEST,
  MediaType.DOCKER_MANIFEST_LIST,
]);

const SCHEMA1_MEDIA_TYPES: readonly string[] = [MediaType.DOCKER_SCHEMA1, MediaType.DOCKER_SCHEMA1_SIGNED];

/**
 * RFC 6838 section 4.2 restricted-name grammar (type "/" subtype, each 1-127 characters), which
 * descriptor.md requires of `mediaType` and `artifactType`. Parameters are not part of it.
 */
export const MEDIA_TYPE_PATTERN = /^[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,126}\/[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,126}$/;

export function isManifestMediaType(t: string): boolean {
  return MANIFEST_MEDIA_TYPES.includes(t);
}

/** OCI image index or Docker manifest list: the two "fat manifest" types. */
export function isIndexMediaType(t: string): boolean {
  return t === MediaType.OCI_INDEX || t === MediaType.DOCKER_MANIFEST_LIST;
}

export function isDockerMediaType(t: string): boolean {
  return t === MediaType.DOCKER_MANIFEST || t === MediaType.DOCKER_MANIFEST_LIST;
}

export function isSchema1MediaType(t: string): boolean {
  return SCHEMA1_MEDIA_TYPES.includes(t);
}

export function isValidMediaType(t: string): boolean {
  return typeof t === 'string' && MEDIA_TYPE_PATTERN.test(t);
}

/** `a/b; charset=x` -> `a/b`: media types compare case-insensitively and without parameters (RFC 9110 8.3.1). */
export function stripParameters(contentType: string): string {
  const semicolon = contentType.indexOf(';');
  return (semicolon >= 0 ? contentType.slice(0, semicolon) : contentType).trim().toLowerCase();
}
