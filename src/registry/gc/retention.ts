// PLACEHOLDER until the retention helper's branch is merged (same interface).
import type { RetentionRule } from './retention-rules.js';

export interface TagEntry {
  tag: string;
  digest: string;
  pushedAt: Date;
}

export interface CompiledRetention {
  planTags(repository: string, tags: TagEntry[], now: Date): { keep: string[]; remove: Array<TagEntry & { reason: string }> };
}

export function compileRetention(_rules: RetentionRule[]): CompiledRetention {
  return { planTags: (_repository, tags) => ({ keep: tags.map((t) => t.tag), remove: [] }) };
}
