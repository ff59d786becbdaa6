import { z } from 'zod';

/**
 * One tag retention rule of `storage.maintenance.retention` (a list; the first rule whose
 * `repositories` matches a repository is the one applied to it, later rules are not consulted).
 * Within the rule a tag is KEPT when any of these holds, and deleted otherwise:
 *   - it matches `protect` (never deleted, whatever else says);
 *   - it matches `keep`;
 *   - it is among the `keeplast` most recently pushed tags of the repository;
 *   - it was pushed less than `olderthan` ago.
 * A condition the rule does not give keeps nothing. A rule must give at least one of
 * `keeplast`, `olderthan`, `keep`: one with only `protect` would delete every other tag.
 * Push time is when the tag last moved (its `current/link` was written).
 */
export const RetentionRuleSchema = z
  .strictObject({
    repositories: z.array(z.string().min(1)).min(1),
    keeplast: z.number().int().min(0).optional(),
    keep: z.string().min(1).optional(),
    /** A duration ("720h"). */
    olderthan: z.union([z.string().min(1), z.number().min(0)]).optional(),
    protect: z.string().min(1).optional(),
  })
  .refine((rule) => rule.keeplast !== undefined || rule.olderthan !== undefined || rule.keep !== undefined, {
    message: 'a retention rule gives keeplast, olderthan or keep (protect alone would delete every other tag)',
  });

/** A rule as the GC takes it, durations resolved. */
export interface RetentionRule {
  repositories: string[];
  keepLast?: number;
  keep?: string;
  olderThanMs?: number;
  protect?: string;
}
