import type { Digest } from '../../digest/digest.js';
import type { StowageError } from '../../errors/error.js';

/** A blob a write is about to make visible in a repository, and through which link. */
export interface AddedBlob {
  digest: Digest;
  size: number;
  link: 'layer' | 'revision';
}

/**
 * Where the store asks the repository quotas (src/registry/usage/quota.ts implements it; the
 * store only calls it, so it knows nothing of rules or usage).
 */
export interface QuotaHook {
  /**
   * Runs `publish` (which makes `added` visible) unless the repository would go over its quota:
   * DENIED then, and `publish` never runs. Checks and publishes of one repository are serialised.
   */
  admit<T>(repository: string, added: AddedBlob[], publish: () => Promise<T>): Promise<T>;
  /**
   * For an upload in progress: how many more bytes fit, and the refusal once they do not;
   * undefined without a quota, or when `digest` (the blob's, when the client named it) is one the repository already links.
   */
  uploadCap(repository: string, digest?: Digest): Promise<{ remaining: number; refuse: (adding: number) => StowageError } | undefined>;
}

export function admit<T>(hook: QuotaHook | undefined, repository: string, added: AddedBlob[], publish: () => Promise<T>): Promise<T> {
  return hook ? hook.admit(repository, added, publish) : publish();
}

/**
 * An upload's bytes, refused (DENIED) as soon as they pass what the quota leaves, so that a
 * client over quota cannot fill the disk before its digest is checked. `offset`: bytes the
 * session already holds; `digest`: the blob's, when the client named it.
 */
export async function capUpload(
  hook: QuotaHook | undefined,
  repository: string,
  offset: number,
  source: AsyncIterable<Uint8Array>,
  digest?: Digest,
): Promise<AsyncIterable<Uint8Array>> {
  const cap = await hook?.uploadCap(repository, digest);
  if (!cap) return source;
  return (async function* () {
    let total = offset;
    for await (const chunk of source) {
      total += chunk.length;
      if (total > cap.remaining) throw cap.refuse(total);
      yield chunk;
    }
  })();
}
