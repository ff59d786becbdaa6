import type { ParsedManifest } from '../../oci/manifest.js';

export interface CachedManifest {
  bytes: Buffer;
  parsed: ParsedManifest;
}

/**
 * Manifests are immutable under their digest, so their bytes and parse can be kept in memory:
 * a manifest GET is then a link read and no JSON parse. Bounded by total bytes, least recently
 * used out first (a Map iterates in insertion order; a hit re-inserts).
 */
export class ManifestCache {
  private readonly entries = new Map<string, CachedManifest>();
  private bytes = 0;

  constructor(private readonly maxBytes = 64 * 1024 * 1024) {}

  get(digest: string): CachedManifest | undefined {
    const entry = this.entries.get(digest);
    if (entry) {
      this.entries.delete(digest);
      this.entries.set(digest, entry);
    }
    return entry;
  }

  set(digest: string, entry: CachedManifest): void {
    if (entry.bytes.length > this.maxBytes / 4) return;
    this.delete(digest);
    this.entries.set(digest, entry);
    this.bytes += entry.bytes.length;
    for (const [key, value] of this.entries) {
      if (this.bytes <= this.maxBytes) break;
      this.entries.delete(key);
      this.bytes -= value.bytes.length;
    }
  }

  delete(digest: string): void {
    const entry = this.entries.get(digest);
    if (!entry) return;
    this.entries.delete(digest);
    this.bytes -= entry.bytes.length;
  }
}
