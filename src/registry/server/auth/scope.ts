import type { ResourceActions } from './types.js';

/** scope.md, "Resource Scope Grammar": resourcetype := value [ '(' value ')' ]. */
const RESOURCE_TYPE = /^([a-z0-9]+)(?:\([a-z0-9]+\))?$/;
const ACTION = /^(?:[a-z]*|\*)$/;
/** Longest scope worth reading: a 255-character name and a few actions, with room. */
const MAX_SCOPE_LENGTH = 512;

/**
 * Parses one `type:name:action[,action]` scope, or returns undefined for anything malformed
 * (token.md: the token server does not treat a bad request as an error, it grants nothing).
 * The name may hold one `:` (a registry port, scope.md's note), so the type ends at the first
 * colon and the actions start after the last. A resource class (`repository(plugin)`) is
 * deprecated and ignored (scope.md, "Resource Class"): it is dropped from the type.
 */
export function parseScope(scope: string): ResourceActions | undefined {
  if (scope.length > MAX_SCOPE_LENGTH) return undefined;
  const first = scope.indexOf(':');
  const last = scope.lastIndexOf(':');
  if (first <= 0 || last === first) return undefined;
  const type = RESOURCE_TYPE.exec(scope.slice(0, first))?.[1];
  const name = scope.slice(first + 1, last);
  if (!type || name === '' || /[\s"\\]/.test(name)) return undefined;
  const actions = [...new Set(scope.slice(last + 1).split(','))].filter((a) => a !== '');
  if (actions.length === 0 || !actions.every((a) => ACTION.test(a))) return undefined;
  return { type, name, actions };
}

/** A space-separated scope list (oauth.md's POST form, or a challenge's `scope`); bad entries dropped. */
export function parseScopeList(list: string): ResourceActions[] {
  return list
    .split(' ')
    .filter((s) => s !== '')
    .map(parseScope)
    .filter((s): s is ResourceActions => s !== undefined);
}

export function formatScope(access: ResourceActions): string {
  return `${access.type}:${access.name}:${access.actions.join(',')}`;
}

/** Entries for one resource merged, actions deduplicated in first-seen order. */
export function mergeAccess(items: ResourceActions[]): ResourceActions[] {
  const byResource = new Map<string, ResourceActions>();
  for (const item of items) {
    const key = `${item.type}\u0000${item.name}`;
    const entry = byResource.get(key) ?? { type: item.type, name: item.name, actions: [] };
    for (const action of item.actions) if (!entry.actions.includes(action)) entry.actions.push(action);
    byResource.set(key, entry);
  }
  return [...byResource.values()];
}
