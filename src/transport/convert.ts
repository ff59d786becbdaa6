// `copy --format oci|v2s2`: rewriting a manifest's media types between Docker schema 2 and OCI,
// as skopeo copy --format does (containers/image manifest conversions), so an image can go into
// an `oci:` layout that skopeo and podman read (they skip index.json entries of Docker media
// types: "no descriptor found for reference"), or from OCI to a registry or tool that wants
// Docker's. Blobs keep their bytes, so layers and the config keep their digests: the image ID
// and diff IDs stay what docker shows. (skopeo also re-encodes the config through the OCI
// schema, dropping Docker-only fields and so changing the image ID; containerd's converter keeps
// it, as we do.) The manifest's digest changes, since its bytes do.

import { Digest } from '../digest/digest.js';
import { StowageError } from '../errors/error.js';
import { parseManifest, type ParsedManifest } from '../oci/manifest.js';
import { MediaType } from '../oci/media-types.js';
import type { ManifestBytes } from '../oci/manifest-bytes.js';

export type ManifestFormat = 'oci' | 'v2s2';

/** `--format` as skopeo spells it. Schema 1 is not written: it is refused everywhere else too. */
export function parseManifestFormat(text: string): ManifestFormat {
  if (text === 'oci' || text === 'v2s2') return text;
  throw new StowageError('UNSUPPORTED', `--format ${JSON.stringify(text)}: use oci (OCI media types) or v2s2 (Docker schema 2)`);
}

const DOCKER_TO_OCI: Record<string, string> = {
  [MediaType.DOCKER_MANIFEST]: MediaType.OCI_MANIFEST,
  [MediaType.DOCKER_MANIFEST_LIST]: MediaType.OCI_INDEX,
  [MediaType.DOCKER_CONFIG]: MediaType.OCI_CONFIG,
  [MediaType.DOCKER_LAYER]: MediaType.OCI_LAYER_GZIP,
  'application/vnd.docker.image.rootfs.diff.tar': MediaType.OCI_LAYER_TAR,
  [MediaType.DOCKER_FOREIGN_LAYER]: 'application/vnd.oci.image.layer.nondistributable.v1.tar+gzip',
  'application/vnd.docker.image.rootfs.foreign.diff.tar': 'application/vnd.oci.image.layer.nondistributable.v1.tar',
};
const OCI_TO_DOCKER: Record<string, string> = Object.fromEntries(Object.entries(DOCKER_TO_OCI).map(([docker, oci]) => [oci, docker]));

const TABLES: Record<ManifestFormat, { map: Record<string, string>; name: string; manifest: string; index: string }> = {
  oci: { map: DOCKER_TO_OCI, name: 'OCI', manifest: MediaType.OCI_MANIFEST, index: MediaType.OCI_INDEX },
  v2s2: { map: OCI_TO_DOCKER, name: 'Docker schema 2', manifest: MediaType.DOCKER_MANIFEST, index: MediaType.DOCKER_MANIFEST_LIST },
};

/** Human name of a format, for the line `copy` prints. */
export function formatName(format: ManifestFormat): string {
  return TABLES[format].name;
}

/** Whether a manifest of this media type is already in the format (copied as it is). */
export function inFormat(mediaType: string, format: ManifestFormat): boolean {
  return mediaType === TABLES[format].manifest || mediaType === TABLES[format].index;
}

/**
 * The manifest rewritten in `format`. An index's entries are pointed at `children`: the
 * manifests it lists as they were written (converted), by their original digest. A media type
 * with no counterpart (a zstd layer to Docker, an artifact's config) is refused, as skopeo does,
 * rather than written under a type that says something else.
 */
export function convertManifest(
  manifest: ManifestBytes,
  format: ManifestFormat,
  children: ReadonlyMap<string, ManifestBytes> = new Map(),
  /** What parseManifest made of `manifest`, when the caller (copy) has it already. */
  known?: ParsedManifest,
): ManifestBytes {
  if (inFormat(manifest.mediaType, format)) return manifest;
  const parsed = known ?? parseManifest(manifest.bytes, manifest.mediaType);
  const body = JSON.parse(manifest.bytes.toString('utf8')) as Record<string, unknown>;
  const table = TABLES[format];
  const what = `manifest ${manifest.digest}`;
  if (parsed.subject || parsed.artifactType) throw unconvertible(`${what} is an artifact (it has a subject or artifactType)`, format);
  let out: Record<string, unknown>;
  if (parsed.kind === 'index') {
    out = {
      schemaVersion: 2,
      mediaType: table.index,
      manifests: parsed.manifests.map((entry) => {
        const child = children.get(entry.digest);
        if (!child) throw unconvertible(`${what} lists ${entry.digest}, which was not copied`, format);
        return descriptor({ ...entry, mediaType: child.mediaType, digest: child.digest.toString(), size: child.bytes.length }, format);
      }),
    };
  } else {
    const config = parsed.config;
    if (!config) throw unconvertible(`${what} has no config`, format);
    out = {
      schemaVersion: 2,
      mediaType: table.manifest,
      config: descriptor({ ...config, mediaType: mapped(config.mediaType, table.map, what, format) }, format),
      layers: parsed.layers.map((layer) => descriptor({ ...layer, mediaType: mapped(layer.mediaType, table.map, what, format) }, format)),
    };
  }
  // Docker schema 2 has no place for a manifest's annotations (nor does skopeo keep them there).
  if (format === 'oci' && body.annotations !== undefined) out.annotations = body.annotations;
  const bytes = Buffer.from(JSON.stringify(out));
  return { bytes, mediaType: out.mediaType as string, digest: Digest.of(bytes) };
}

/** A descriptor with only what the target format defines, in the spec's order. */
function descriptor(
  d: { mediaType: string; digest: string; size: number; urls?: string[]; annotations?: Record<string, string>; platform?: object },
  format: ManifestFormat,
): object {
  return {
    mediaType: d.mediaType,
    digest: d.digest,
    size: d.size,
    ...(d.urls ? { urls: d.urls } : {}),
    ...(d.annotations && format === 'oci' ? { annotations: d.annotations } : {}),
    ...(d.platform ? { platform: d.platform } : {}),
  };
}

function mapped(mediaType: string, map: Record<string, string>, what: string, format: ManifestFormat): string {
  const target = map[mediaType];
  if (target === undefined) throw unconvertible(`${what} has a blob of media type ${mediaType}, which has no ${TABLES[format].name} counterpart`, format);
  return target;
}

function unconvertible(reason: string, format: ManifestFormat): StowageError {
  return new StowageError('UNSUPPORTED', `cannot convert to ${TABLES[format].name} media types: ${reason}`);
}
