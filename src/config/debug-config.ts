import { StowageError } from '../errors/error.js';
import type { DebugSettings } from '../registry/server/debug-server.js';
import type { ConfigFile } from './keys.js';
import { parseAddress } from './values.js';

export type { DebugSettings };

/**
 * `http.debug.addr` starts the debug listener (health, liveness, readiness; metrics when
 * `prometheus.enabled`). distribution serves metrics only there, so metrics without an address
 * would be collected and never read: refused, not silently dropped.
 */
export function resolveDebug(http: NonNullable<ConfigFile['http']>): DebugSettings | undefined {
  const debug = http.debug;
  const prometheus = debug?.prometheus?.enabled === true;
  if (!debug?.addr) {
    if (prometheus)
      throw new StowageError('CONFIG_INVALID', 'http.debug.prometheus.enabled: metrics are served on the debug server; set http.debug.addr (e.g. :5001)');
    return undefined;
  }
  const { host, port } = parseAddress(debug.addr);
  const path = debug.prometheus?.path ?? '/metrics';
  if (prometheus && !/^\/[A-Za-z0-9._~/-]*$/.test(path)) {
    throw new StowageError('CONFIG_INVALID', `http.debug.prometheus.path: expected a path such as /metrics, not "${path.slice(0, 60)}"`);
  }
  return { host, port, ...(prometheus ? { prometheus: { path } } : {}) };
}
