/** Space one repository takes (usage.ts). Bytes count each distinct blob once per repository. */
export interface RepositoryUsage {
  name: string;
  /** Distinct blobs the repository links (layers, configs, manifests). */
  blobs: number;
  /** Their bytes: what the repository holds. */
  bytes: number;
  /** Bytes of blobs no other repository links: what deleting the repository would free. */
  uniqueBytes: number;
  /** bytes − uniqueBytes: held together with other repositories. */
  sharedBytes: number;
}

export interface UsageReport {
  repositories: RepositoryUsage[];
  /** The whole root: every distinct blob once. */
  totals: { repositories: number; blobs: number; bytes: number };
}

export interface UsageOptions {
  /** Only this repository (its unique bytes are still judged against every other repository). */
  repository?: string;
  signal?: AbortSignal;
}
