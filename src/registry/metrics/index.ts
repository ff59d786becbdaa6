export { httpObserver, handlerLabel } from './http.js';
export { RegistryMetrics, type NotificationCounters } from './metrics.js';
export { instrumentDriver } from './storage.js';
