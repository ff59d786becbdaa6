export { DEFAULT_INTERVAL_MS, DEFAULT_TIMEOUT_MS, type HealthCheck } from './check.js';
export { createHealthChecks } from './create.js';
export { fileCheck, type FileCheckOptions } from './file-check.js';
export { httpCheck, type HttpCheckOptions } from './http-check.js';
export { HealthMonitor, type HealthChange, type HealthLog, type HealthMonitorOptions } from './monitor.js';
export { healthResponse, type HealthResponse } from './response.js';
export type { HealthSettings } from './settings.js';
export { PROBE_DIR, storageCheck, type StorageCheckOptions } from './storage-check.js';
export { tcpCheck, type TcpCheckOptions } from './tcp-check.js';
