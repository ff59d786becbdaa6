import type { Digest } from '../../digest/digest.js';

/** A change to a repository's manifests and tags, as the database records it after the storage has it. */
export type MetadataChange =
  | { kind: 'manifest'; digest: Digest; mediaType: string; size: number; subject?: Digest; references: string[] }
  | { kind: 'tag'; tag: string; digest: Digest }
  | { kind: 'untag'; tag: string }
  | { kind: 'unmanifest'; digest: Digest };

/**
 * Where the store keeps its metadata index when several replicas share one storage
 * (src/database implements it over PostgreSQL; the store only calls it). The storage stays
 * authoritative: `record` runs the storage write first and records the change after it, with
 * the repository marked as changing in between, so that a crash between the two is found
 * and the repository re-read from storage (src/database/attach.ts).
 */
export interface MetadataHook {
  record<T>(repository: string, write: () => Promise<T>, change: MetadataChange): Promise<T>;
  /** Every repository holding `_manifests`, sorted (the catalog). */
  repositories(): Promise<string[]>;
  /** A repository's tags, sorted. */
  tags(repository: string): Promise<string[]>;
  /** What a tag points at, as a digest string; undefined when the repository has no such tag. */
  tagDigest(repository: string, tag: string): Promise<string | undefined>;
}

/** Runs `write`, and records `change` when there is a hook. */
export function record<T>(hook: MetadataHook | undefined, repository: string, write: () => Promise<T>, change: MetadataChange): Promise<T> {
  return hook ? hook.record(repository, write, change) : write();
}
