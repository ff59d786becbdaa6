// The two images many CLI and interop tests start from: base (2 layers) and app (3 layers, its
// first two base's, as an image built FROM it shares them), pushed to a registry as
// lib/base:1 and team/app:1.

import { join } from 'node:path';
import { writeImageLayout, type BuiltImage } from './oci-layout.js';

export interface BaseAndApp {
  base: BuiltImage;
  app: BuiltImage;
}

/**
 * Writes base and app into the layout `src` (one seed, so they share layers) and copies them to
 * `host` with `copy` (stowage copy, skopeo copy: whatever the test pushes with).
 */
export async function pushBaseAndApp(
  copy: (from: string, to: string) => Promise<unknown>,
  src: string,
  host: string,
  content: { seed: string; sizeBytes?: number },
): Promise<BaseAndApp> {
  const sized = content.sizeBytes === undefined ? {} : { sizeBytes: content.sizeBytes };
  const base = await writeImageLayout(src, { layers: 2, seed: content.seed, tag: 'base', ...sized });
  const app = await writeImageLayout(src, { layers: 3, seed: content.seed, tag: 'app', ...sized });
  await copy(`oci:${src}:base`, `docker://${host}/lib/base:1`);
  await copy(`oci:${src}:app`, `docker://${host}/team/app:1`);
  return { base, app };
}

/**
 * pushBaseAndApp through `stowage` (the test's CLI runner, bound to its store), from `dir`/src,
 * then both pulled into the store, so they have RepoTags and RepoDigests as a user's pulls do.
 */
export async function pullBaseAndApp(
  stowage: (...args: string[]) => Promise<unknown>,
  dir: string,
  host: string,
  content: { seed: string; sizeBytes?: number },
): Promise<BaseAndApp> {
  const images = await pushBaseAndApp((from, to) => stowage('copy', '-q', from, to), join(dir, 'src'), host, content);
  await stowage('pull', '-q', `${host}/lib/base:1`);
  await stowage('pull', '-q', `${host}/team/app:1`);
  return images;
}
