export type { RepositoryUsage, UsageOptions, UsageReport } from './types.js';
export { computeUsage } from './usage.js';
export { invalidateUsage } from './usage-index.js';
