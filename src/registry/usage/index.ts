export type { RepositoryUsage, UsageOptions, UsageReport } from './types.js';
