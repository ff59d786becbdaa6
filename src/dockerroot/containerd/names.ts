// containerd names an image by its full reference (`docker.io/library/alpine:latest`); docker
// prints the familiar form (`alpine:latest`) and, with the containerd store, shows the target's
// digest as the repo digest of every name that points to it.

import { familiarString, tryParseReference } from '../../reference/index.js';

/** dockerd names an image that lost its last tag `moby-dangling@<digest>` (daemon/containerd/image_delete.go). */
const DANGLING_PREFIX = 'moby-dangling@';

export interface ImageNames {
  repoTags: string[];
  repoDigests: string[];
}

/** The familiar tags of the names pointing at `targetDigest`, and `repo@targetDigest` for each repository. */
export function imageNames(names: string[], targetDigest: string): ImageNames {
  const repoTags = new Set<string>();
  const repoDigests = new Set<string>();
  for (const name of [...names].sort()) {
    if (name.startsWith(DANGLING_PREFIX)) continue;
    const ref = tryParseReference(name);
    if (ref === undefined) {
      // Not a reference docker could print: keep it as containerd has it rather than hide it.
      repoTags.add(name);
      continue;
    }
    if (ref.tag !== undefined) repoTags.add(familiarString({ domain: ref.domain, path: ref.path, tag: ref.tag }));
    repoDigests.add(familiarString({ domain: ref.domain, path: ref.path, digest: targetDigest }));
  }
  return { repoTags: [...repoTags], repoDigests: [...repoDigests] };
}
