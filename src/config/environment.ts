import { distance } from 'fastest-levenshtein';
import { parse as parseYaml } from 'yaml';
import type { Key, SectionKey } from './key-table.js';
import { allPaths } from './read-keys.js';

const PREFIX = 'REGISTRY_';

export interface EnvironmentOverrides {
  /** The file's tree with every REGISTRY_* variable applied. */
  tree: Record<string, unknown>;
  /** Key path (dotted) → the variable that set it, to name the variable in errors. */
  sources: Map<string, string>;
  /** One line about REGISTRY_* variables that name no key, if any. */
  warning?: string;
}

/**
 * distribution's REGISTRY_<PATH> overrides (`REGISTRY_STORAGE_DELETE_ENABLED=true` sets
 * storage.delete.enabled), for every key of the table: the path's keys, upper-cased, joined by
 * `_` (no key holds one). A text key takes the variable as is; any other key, or a whole
 * section, reads it as YAML, as distribution does. The result is checked by the same table as
 * the file. A variable that names no key is ignored, as by distribution, but named in one
 * warning line (REGISTRY_HTTP_ADR; or a Kubernetes service link such as REGISTRY_PORT).
 */
export function applyEnvironment(file: Record<string, unknown>, env: NodeJS.ProcessEnv, table: SectionKey): EnvironmentOverrides {
  const tree = structuredClone(file);
  const sources = new Map<string, string>();
  const unknown: string[] = [];
  for (const name of Object.keys(env)
    .filter((n) => n.startsWith(PREFIX))
    .sort()) {
    const raw = env[name];
    // distribution does not let the environment change the format version; empty means unset.
    if (raw === undefined || raw === '' || name === `${PREFIX}VERSION`) continue;
    const target = resolveName(name.slice(PREFIX.length).toLowerCase().split('_'), table);
    if (!target) {
      unknown.push(name);
      continue;
    }
    setPath(tree, target.path, target.form === 'text' ? raw : readYaml(raw));
    sources.set(target.path.join('.'), name);
  }
  return { tree, sources, ...(unknown.length ? { warning: unknownWarning(unknown, table) } : {}) };
}

/** The key path a variable's segments name, and how to read its value; undefined when none. */
function resolveName(segments: string[], table: SectionKey): { path: string[]; form: 'text' | 'yaml' } | undefined {
  let section: SectionKey = table;
  for (const [i, segment] of segments.entries()) {
    const key: Key | undefined = Object.hasOwn(section.keys, segment) ? section.keys[segment] : undefined;
    const last = i === segments.length - 1;
    if (!key || segment === '') return undefined;
    if (key.kind === 'section') {
      if (last) return { path: segments, form: 'yaml' };
      section = key;
    } else if (key.kind === 'value') {
      if (last) return { path: segments, form: key.env };
      // Inside a mapping (`notifications`, `health`, `log.fields`: a value whose schema takes `{}`),
      // as distribution sets REGISTRY_NOTIFICATIONS_ENDPOINTS: its schema judges the keys named.
      return key.env === 'yaml' && key.schema.safeParse({}).success ? { path: segments, form: 'yaml' } : undefined;
    } else {
      // Inside a key Stowage does not implement: its row judges the value it ends up with.
      return { path: segments, form: 'yaml' };
    }
  }
  return undefined;
}

function readYaml(raw: string): unknown {
  try {
    return parseYaml(raw);
  } catch {
    return raw;
  }
}

function setPath(tree: Record<string, unknown>, path: string[], value: unknown): void {
  let at = tree;
  for (const name of path.slice(0, -1)) {
    const next = at[name];
    if (next === null || typeof next !== 'object' || Array.isArray(next)) at[name] = {};
    at = at[name] as Record<string, unknown>;
  }
  at[path[path.length - 1] ?? ''] = value;
}

function unknownWarning(names: string[], table: SectionKey): string {
  const known = allPaths(table).map((path) => `${PREFIX}${path.replaceAll('.', '_').toUpperCase()}`);
  const described = names.map((name) => {
    const near = known.find((candidate) => distance(name, candidate) <= 2);
    return near ? `${name} (did you mean ${near}?)` : name;
  });
  return `ignoring ${described.join(', ')}: no such configuration key`;
}
