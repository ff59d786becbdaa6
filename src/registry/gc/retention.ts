import { StowageError } from '../../errors/error.js';
import { compileGlob } from '../../reference/glob.js';
import type { RetentionRule } from './retention-rules.js';

/**
 * Tag retention decided without I/O: the GC lists a repository's tags with their push times
 * and asks `planTags` which to delete. The semantics are those of retention-rules.ts (first
 * rule whose `repositories` matches; within it a tag stays if protect OR keep OR among the
 * `keeplast` newest OR newer than `olderthan`).
 *
 * Regexes (`keep`, `protect`) match like JavaScript's `RegExp.test`: UNANCHORED, so `v1`
 * matches `v1.2` and `rc-v1`; write `^v1$` for the tag `v1` alone. This is how zot and Harbor
 * users already write them (`^v.*`, `-rc`), and anchoring behind their back would make a
 * pattern copied from those configs keep less than it says. No flags (case-sensitive; tags
 * are case-sensitive names). The config is the operator's and tags are at most 128
 * characters, so the patterns run as written.
 */

export interface RetentionTag {
  tag: string;
  digest: string;
  /** When the tag last moved (its `current/link` was written). */
  pushedAt: Date;
}

export interface TagRemoval {
  tag: string;
  digest: string;
  /** Why it goes, for dry runs and logs: `beyond the 10 most recent and older than 720h (rule 0: team/*)`. */
  reason: string;
}

export interface TagPlan {
  /** Tag names that stay, newest first (ties by name). */
  keep: string[];
  /** Tags that go, in the same order. */
  remove: TagRemoval[];
}

export interface CompiledRule {
  /** Position in the configured list (what errors and reasons name). */
  readonly index: number;
  readonly rule: RetentionRule;
  /** `rule 0: team/*, ops/**` */
  readonly label: string;
  matches(repository: string): boolean;
  readonly keep?: RegExp;
  readonly protect?: RegExp;
}

export interface CompiledRetention {
  readonly rules: readonly CompiledRule[];
  /** The first rule whose `repositories` matches, or undefined (then every tag stays). */
  ruleFor(repository: string): CompiledRule | undefined;
  planTags(repository: string, tags: readonly RetentionTag[], now: Date): TagPlan;
}

/** Compiles every glob and regex once; CONFIG_INVALID naming the rule and field on a bad one. */
export function compileRetention(rules: readonly RetentionRule[]): CompiledRetention {
  const compiled = rules.map(compileRule);
  const ruleFor = (repository: string) => compiled.find((rule) => rule.matches(repository));
  return {
    rules: compiled,
    ruleFor,
    planTags(repository, tags, now) {
      const ordered = [...tags].sort(newestFirst);
      const rule = ruleFor(repository);
      if (!rule) return { keep: ordered.map((t) => t.tag), remove: [] };
      return planWithRule(rule, ordered, now.getTime());
    },
  };
}

function compileRule(rule: RetentionRule, index: number): CompiledRule {
  const at = (field: string) => `storage.maintenance.retention[${index}].${field}`;
  const globs = rule.repositories.map((pattern, i) => {
    try {
      return compileGlob(pattern);
    } catch (err) {
      throw new StowageError('CONFIG_INVALID', `${at(`repositories[${i}]`)}: ${(err as Error).message}`);
    }
  });
  const regex = (field: 'keep' | 'protect'): RegExp | undefined => {
    const source = rule[field];
    if (source === undefined) return undefined;
    try {
      return new RegExp(source);
    } catch (err) {
      throw new StowageError('CONFIG_INVALID', `${at(field)}: invalid regular expression "${source.slice(0, 200)}": ${(err as Error).message}`);
    }
  };
  const keep = regex('keep');
  const protect = regex('protect');
  return {
    index,
    rule,
    label: `rule ${index}: ${rule.repositories.join(', ')}`,
    matches: (repository) => globs.some((glob) => glob(repository)),
    ...(keep ? { keep } : {}),
    ...(protect ? { protect } : {}),
  };
}

function planWithRule(rule: CompiledRule, ordered: RetentionTag[], now: number): TagPlan {
  const { keepLast, olderThanMs } = rule.rule;
  const plan: TagPlan = { keep: [], remove: [] };
  ordered.forEach((t, rank) => {
    const kept =
      rule.protect?.test(t.tag) ||
      rule.keep?.test(t.tag) ||
      (keepLast !== undefined && rank < keepLast) ||
      (olderThanMs !== undefined && now - pushedMs(t) < olderThanMs);
    if (kept) plan.keep.push(t.tag);
    else plan.remove.push({ tag: t.tag, digest: t.digest, reason: reasonFor(rule) });
  });
  return plan;
}

/** Every condition the rule gives, each of which failed (that is why the tag goes). */
function reasonFor(rule: CompiledRule): string {
  const { keepLast, olderThanMs } = rule.rule;
  const parts: string[] = [];
  if (keepLast !== undefined) parts.push(keepLast === 0 ? 'keeplast is 0' : `beyond the ${keepLast} most recent`);
  if (olderThanMs !== undefined) parts.push(`older than ${formatDuration(olderThanMs)}`);
  if (rule.keep) parts.push(`not matching keep ${rule.keep}`);
  const joined = parts.length > 1 ? `${parts.slice(0, -1).join(', ')} and ${parts.at(-1)}` : (parts[0] ?? 'no condition keeps it');
  return `${joined} (${rule.label})`;
}

/** An unknown push time (invalid Date) counts as just pushed: retention never deletes on a guess. */
function pushedMs(t: RetentionTag): number {
  const ms = t.pushedAt.getTime();
  return Number.isNaN(ms) ? Number.POSITIVE_INFINITY : ms;
}

/** Newest first; equal times by tag name (code-unit order, the same on every machine). */
function newestFirst(a: RetentionTag, b: RetentionTag): number {
  const byTime = pushedMs(b) - pushedMs(a);
  if (byTime !== 0 && !Number.isNaN(byTime)) return byTime;
  return a.tag < b.tag ? -1 : a.tag > b.tag ? 1 : 0;
}

/** `720h`, `90m`, `45s`, `1500ms`: the largest unit that divides it, as the config writes durations. */
function formatDuration(ms: number): string {
  if (ms > 0 && ms % 3_600_000 === 0) return `${ms / 3_600_000}h`;
  if (ms > 0 && ms % 60_000 === 0) return `${ms / 60_000}m`;
  if (ms % 1000 === 0) return `${ms / 1000}s`;
  return `${ms}ms`;
}
