import { parseUrl } from '../routes.js';
import type { ResourceActions } from './types.js';

export interface RequiredAccess {
  required: ResourceActions[];
  optional: ResourceActions[];
}

const AUTHENTICATED_ONLY: RequiredAccess = { required: [], optional: [] };

/**
 * Stowage's admin API (`/admin/gc`, `/admin/usage`, outside `/v2`): the resource
 * `registry:admin:*`, which access.ts grants (a token carries it like any scope).
 */
export const ADMIN_ACCESS: RequiredAccess = { required: [{ type: 'registry', name: 'admin', actions: ['*'] }], optional: [] };
export const ADMIN_PREFIX = '/admin/';

/**
 * The one place that says what access each API request needs, as distribution's
 * `appendAccessRecords` does: reads (GET, HEAD) need pull, writes (POST, PUT, PATCH) pull and
 * push, DELETE needs delete; the catalog needs `registry:catalog:*`, the admin API
 * `registry:admin:*`; `/v2/` and paths that are
 * no route need only an authenticated caller (they answer 200 or an error, never data).
 * A cross-repository mount also names pull on its source, as optional: without it the
 * handler falls back to a plain upload session instead of mounting.
 */
export function requiredAccess(method: string, url: string): RequiredAccess {
  if (url.startsWith(ADMIN_PREFIX)) return ADMIN_ACCESS;
  let parsed: ReturnType<typeof parseUrl>;
  try {
    parsed = parseUrl(url);
  } catch {
    return AUTHENTICATED_ONLY; // a malformed path: the handler answers NAME_INVALID
  }
  if (!parsed) return AUTHENTICATED_ONLY;
  const { route, query } = parsed;
  if (route.kind === 'base') return AUTHENTICATED_ONLY;
  if (route.kind === 'catalog') return { required: [{ type: 'registry', name: 'catalog', actions: ['*'] }], optional: [] };
  const required = [{ type: 'repository', name: route.name, actions: actionsFor(method) }];
  const from = route.kind === 'uploads' && method === 'POST' && query.has('mount') ? query.get('from') : null;
  const optional = from !== null && from !== '' ? [{ type: 'repository', name: from, actions: ['pull'] }] : [];
  return { required, optional };
}

function actionsFor(method: string): string[] {
  if (method === 'GET' || method === 'HEAD') return ['pull'];
  if (method === 'DELETE') return ['delete'];
  // POST, PUT, PATCH, and any other method (answered 405 once access is settled).
  return ['pull', 'push'];
}
