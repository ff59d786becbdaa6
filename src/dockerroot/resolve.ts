import { fullName, resolveName } from '../catalog/resolve.js';
import type { DockerImage, DockerRootView } from './model.js';

/**
 * An image named as docker names one: `alpine`, `alpine:3.19`, `host:5000/a/b@sha256:…`, a full
 * or short ID (`sha256:0123…`, `0123ab`), found as every catalog finds one (catalog/resolve.ts).
 * Names are compared in full form, so `docker.io/library/alpine:latest` finds what
 * repositories.json calls `alpine:latest`.
 */
export function resolveImage(view: DockerRootView, name: string): DockerImage {
  const named = (pick: (image: DockerImage) => readonly string[], wanted: string) =>
    view.images.find((image) => pick(image).some((n) => fullName(n) === wanted));
  return resolveName<DockerImage>(
    {
      byId: (id) => view.images.find((image) => image.id === id),
      byTag: (tag) => named((image) => image.repoTags, tag),
      byDigest: (repository, digest) => named((image) => image.repoDigests, `${repository}@${digest}`),
      // docker 1.9's legacy IDs are bare hex: the prefix is matched after any `algorithm:`.
      byIdPrefix: (hex) => view.images.filter((image) => image.id.slice(image.id.indexOf(':') + 1).startsWith(hex)),
    },
    name,
  ).image;
}
