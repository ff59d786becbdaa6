export { collectGarbage } from './collect.js';
export { collectCoordinated, type GcCoordinator } from './coordinated.js';
export { RetentionRuleSchema, type RetentionRule } from './retention-rules.js';
export type { GcOptions, GcPhase, GcProgress, GcReport, RemovedTag } from './types.js';
export { compileRetention, type CompiledRetention, type CompiledRule, type RetentionTag, type TagPlan, type TagRemoval } from './retention.js';
