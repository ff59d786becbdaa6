import path from 'node:path';
import type { ConfinedFs } from '../confined-fs.js';

/**
 * image/<driver>/distribution/v2metadata-by-diffid/sha256/<diff-id> (moby distribution/metadata):
 * the compressed blobs a layer was pulled as (or pushed as), and from which repositories —
 * what `docker push` uses to mount instead of uploading. Read per layer, for inspect only.
 */
export interface LayerSource {
  digest: string;
  repository: string;
}

export function layerSources(fs: ConfinedFs, driver: string, diffId: string): LayerSource[] {
  if (!/^sha256:[a-f0-9]{64}$/.test(diffId)) return [];
  const dir = fs.join('image', driver, 'distribution', 'v2metadata-by-diffid', 'sha256');
  let parsed: unknown;
  try {
    // The directory must resolve inside the root before a file in it is opened (no symlink following).
    if (fs.listTypedSync(path.relative(fs.root, dir)).length === 0) return [];
    const bytes = fs.readInCheckedDirSync(dir, diffId.slice(7), 1024 * 1024);
    if (bytes === undefined) return [];
    parsed = JSON.parse(bytes.toString('utf8'));
  } catch {
    return [];
  }
  if (!Array.isArray(parsed)) return [];
  return parsed
    .filter((entry): entry is { Digest: string; SourceRepository: string } => typeof entry?.Digest === 'string' && typeof entry?.SourceRepository === 'string')
    .map((entry) => ({ digest: entry.Digest, repository: entry.SourceRepository }));
}
