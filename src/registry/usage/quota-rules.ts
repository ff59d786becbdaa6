import { z } from 'zod';
import { parseSize } from './sizes.js';

/**
 * One rule of `storage.quotas` (a list): the first rule with a `repositories` pattern matching a
 * repository is its quota; later rules are not consulted, and a repository no rule matches has
 * none. Patterns are those of `access` (`*` one level, `**` any depth: server/auth/glob.ts).
 * The limit is what the repository may hold: the bytes of the distinct blobs it links, as
 * `stowage registry du` counts them (BYTES), shared blobs included.
 */
export const QuotaRuleSchema = z
  .strictObject({
    repositories: z.array(z.string().min(1)).min(1),
    limit: z.union([z.number(), z.string().min(1)], {
      error: (issue) => `${issue.input === undefined ? 'required: ' : ''}a size: bytes, or a number with a unit such as 500MB or 10GiB`,
    }),
  })
  .transform((rule, ctx) => {
    try {
      return { repositories: rule.repositories, limit: rule.limit, limitBytes: parseSize(rule.limit) };
    } catch (err) {
      ctx.addIssue({ code: 'custom', path: ['limit'], message: (err as Error).message });
      return z.NEVER;
    }
  });

/** A rule as the registry takes it. `limit` is the size as written, for messages. */
export interface QuotaRule {
  repositories: string[];
  limit: string | number;
  limitBytes: number;
}
