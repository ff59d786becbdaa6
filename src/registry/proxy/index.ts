export { ProxyCache, type BlobAnswer, type ProxyLog } from './cache.js';
export { ProxyRouter, canonicalHost, type ProxyTarget } from './routing.js';
export type { ProxySettings, UpstreamSettings, UpstreamStats } from './types.js';
export { cacheGcOptions } from './expiry.js';
