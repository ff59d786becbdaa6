import type { RetentionRule } from './retention-rules.js';

/** How one garbage collection runs (collect.ts). Durations in milliseconds. */
export interface GcOptions {
  /**
   * Anything uploaded, linked, mounted, HEADed or referenced by a manifest PUT within this
   * long before the run's mark began, or after, survives the run (collect.ts explains why).
   * Default one hour; 0 only when no client can be writing (offline).
   */
  graceMs?: number;
  /** Decide and report everything, delete nothing. */
  dryRun?: boolean;
  /** Delete manifests no tag reaches once their revision is older than `ageMs` (opt-in). */
  untagged?: { delete: boolean; ageMs: number };
  /** Tag retention, first matching rule per repository (retention-rules.ts). */
  retention?: RetentionRule[];
  /**
   * A pull-through cache's expiry: for a cached repository, how long content may go unpulled
   * (ms); undefined for a hosted one. A tag whose manifest was last pulled before that is
   * removed, and with it (past the grace window) what nothing else keeps; untagged manifests
   * of the repository likewise, whatever `untagged` says.
   */
  expiry?: (repository: string) => number | undefined;
  /** Pull-through caches' size caps (cache-cap.ts): least recently pulled images go first while over. */
  cacheCaps?: CacheCap[];
  /** Called as the run goes: phases in order, counts so far. */
  onProgress?: (event: GcProgress) => void;
  /** Stops the run between steps; what is done stays done, the rest waits for the next run. */
  signal?: AbortSignal;
  /**
   * Called once the run removed tags or manifests of a repository (never in a dry run), before
   * it goes on: a database's rows of it follow (coordinated.ts).
   */
  onRepositoryChanged?: (repository: string) => Promise<void>;
}

/** One upstream's cap: the repositories it cached, and the bytes their distinct blobs may take. */
export interface CacheCap {
  owns: (repository: string) => boolean;
  maxBytes: number;
}

export type GcPhase = 'recover' | 'mark' | 'tags' | 'manifests' | 'blobs' | 'links';

export interface GcProgress {
  phase: GcPhase;
  /** Items handled in this phase so far (repositories while marking, blobs while sweeping blobs). */
  done: number;
  /** Items the phase has, when known. */
  total?: number;
}

/** A tag retention removed (or would remove, in a dry run). */
export interface RemovedTag {
  repository: string;
  tag: string;
  digest: string;
}

/** What one run did (or would do, with `dryRun`). */
export interface GcReport {
  dryRun: boolean;
  /** ISO 8601 time the mark began. */
  startedAt: string;
  durationMs: number;
  repositories: number;
  tags: { removed: number; list: RemovedTag[] };
  manifests: { kept: number; removed: number };
  blobs: {
    kept: number;
    removed: number;
    bytesFreed: number;
    /** Unreferenced, but too recent to remove (within the grace window): freed by a later run. */
    recent: number;
  };
  layerLinks: { removed: number };
}
