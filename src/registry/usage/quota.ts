import type { Digest } from '../../digest/digest.js';
import { StowageError } from '../../errors/error.js';
import type { StorageDriver } from '../../storage/driver.js';
import { createLimiter } from '../../transport/limiter.js';
import { KeyedMutex } from '../store/mutex.js';
import type { AddedBlob, QuotaHook } from '../store/quota-hook.js';
import { isCurrent, linkedBytes, recordLink, scanRepository, type RepositoryLinks } from './links.js';
import type { QuotaRule } from './quota-rules.js';
import { describeSize } from './sizes.js';
import { blobSizes } from './usage.js';

/** A rule with its patterns compiled (by the server: glob.ts lives there). */
export interface CompiledQuota {
  rule: QuotaRule;
  patterns: Array<{ pattern: string; matches: (name: string) => boolean }>;
}

/** Repositories whose links are kept in memory at once; the oldest is dropped past it (and rescanned if needed again). */
const COPIES = 10_000;

/**
 * The store's quota hook (store/quota-hook.ts): a repository's bytes, as computeUsage counts
 * them (the distinct blobs it links), plus what a write adds, must stay within the first rule
 * that matches it. Blobs it already links add nothing, and a write that adds nothing is never
 * refused (a quota lowered below what a repository holds still lets it re-tag and re-push).
 *
 * Each repository's links are kept in memory (links.ts RepositoryLinks) and checked against its
 * link directories before each decision (a few listings, no link read), so writes by another
 * process or a garbage collection are seen, and this process's own admitted writes are added to
 * the copy as they happen instead of rescanning.
 *
 * Within this process, a repository's check and publish are serialised (one KeyedMutex key per
 * repository): two uploads finishing at once cannot both fit in the last free bytes. Across
 * processes (several `stowage serve` on one root) nothing is serialised: each sees the other's
 * blobs once linked, so a repository can overshoot its quota by what the other processes admit
 * at the same instant (at most one write each).
 */
export class QuotaGuard implements QuotaHook {
  private readonly copies = new Map<string, RepositoryLinks>();
  private readonly mutex = new KeyedMutex();

  constructor(
    private readonly driver: StorageDriver,
    private readonly quotas: CompiledQuota[],
  ) {}

  async admit<T>(repository: string, added: AddedBlob[], publish: () => Promise<T>): Promise<T> {
    const quota = this.quotaOf(repository);
    if (!quota) return publish();
    return this.mutex.run(repository, async () => {
      const links = await this.links(repository);
      let adding = 0;
      for (const blob of new Map(added.map((b) => [b.digest.toString(), b])).values()) {
        if (links.blobs[blob.digest.toString()] == null) adding += blob.size;
      }
      const uses = linkedBytes(links);
      if (adding > 0 && uses + adding > quota.rule.limitBytes) throw refusal(repository, uses + adding, quota.rule, quota.pattern);
      const result = await publish();
      for (const blob of added) recordLink(links, blob.link === 'layer' ? '_layers' : '_manifests/revisions', blob.digest, blob.size);
      return result;
    });
  }

  async uploadCap(repository: string, digest?: Digest): Promise<{ remaining: number; refuse: (adding: number) => StowageError } | undefined> {
    const quota = this.quotaOf(repository);
    if (!quota) return undefined;
    const links = await this.mutex.run(repository, () => this.links(repository));
    // Re-sending a blob the repository holds adds nothing: it is checked at completion like any other.
    if (digest && links.blobs[digest.toString()] != null) return undefined;
    const uses = linkedBytes(links);
    return {
      remaining: quota.rule.limitBytes - uses,
      refuse: (adding) => refusal(repository, uses + adding, quota.rule, quota.pattern),
    };
  }

  /** The first rule matching the repository, and the pattern that matched. */
  private quotaOf(repository: string): { rule: QuotaRule; pattern: string } | undefined {
    for (const { rule, patterns } of this.quotas) {
      const hit = patterns.find(({ matches }) => matches(repository));
      if (hit) return { rule, pattern: hit.pattern };
    }
    return undefined;
  }

  /** The repository's links: the copy in memory while its directories still say so, else a scan. Called under the repository's key. */
  private async links(repository: string): Promise<RepositoryLinks> {
    const limit = createLimiter(16);
    const known = this.copies.get(repository);
    if (known && (await isCurrent(this.driver, repository, known, limit))) return known;
    const scanned = await scanRepository(this.driver, repository, blobSizes(this.driver, limit), limit);
    this.copies.delete(repository);
    if (this.copies.size >= COPIES) this.copies.delete(this.copies.keys().next().value!);
    this.copies.set(repository, scanned);
    return scanned;
  }
}

function refusal(repository: string, wouldUse: number, rule: QuotaRule, pattern: string): StowageError {
  return new StowageError(
    'DENIED',
    `repository ${repository} would use ${describeSize(wouldUse)}, over its quota of ${describeSize(rule.limitBytes)} (storage.quotas rule "${pattern}")`,
    { quota: rule.limitBytes, wouldUse },
  );
}
