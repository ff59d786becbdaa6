import { distance } from 'fastest-levenshtein';
import { StowageError } from '../errors/error.js';
import type { Key, SectionKey } from './key-table.js';

export interface ReadKeys<T> {
  /** The implemented keys, their values parsed; everything else left out. */
  config: T;
  /** One line each, for keys of distribution's whose absence changes nothing that matters. */
  warnings: string[];
}

/**
 * Walks every key of a parsed config file against the table (keys.ts). An implemented key's
 * value is parsed by its schema; a key Stowage does not implement is accepted, warned about or
 * refused as its row says; any other key is an error naming its path, with the nearest known
 * key when there is one (`htp.addr`: did you mean http.addr?). Errors are one CONFIG_INVALID
 * line starting with `where(path)`, which names where the key came from (the file, a REGISTRY_* variable).
 */
export function readKeys<T>(value: unknown, table: SectionKey, where: (path: string) => string): ReadKeys<T> {
  const warnings: string[] = [];
  const config = readSection(value ?? {}, table, [], { table, where, warnings });
  return { config: (config ?? {}) as T, warnings };
}

interface Walk {
  table: SectionKey;
  where: (path: string) => string;
  warnings: string[];
}

function readSection(value: unknown, section: SectionKey, path: string[], walk: Walk): Record<string, unknown> | undefined {
  if (value === undefined) return undefined;
  // Present but empty (`htpasswd:`) is still present: an auth kind left empty must fail, not vanish into an open registry.
  if (value === null) return {};
  if (typeof value !== 'object' || Array.isArray(value)) throw invalid(walk, path, `expected a mapping of keys, not ${describe(value)}`);
  const out: Record<string, unknown> = {};
  for (const [name, child] of Object.entries(value as Record<string, unknown>)) {
    const key: Key | undefined = Object.hasOwn(section.keys, name) ? section.keys[name] : undefined;
    const at = [...path, name];
    if (!key) throw unknownKey(walk, at, section, firstLeaf(child));
    if (key.kind === 'section') {
      const read = readSection(child, key, at, walk);
      if (read !== undefined) out[name] = read;
    } else if (key.kind === 'value') {
      const parsed = key.schema.safeParse(child);
      if (!parsed.success) {
        const issue = parsed.error.issues[0];
        throw invalid(walk, [...at, ...(issue?.path ?? []).map(String)], issue?.message ?? 'invalid value');
      }
      out[name] = parsed.data;
    } else {
      const judged = key.judge(child);
      if (judged.verdict === 'refuse') {
        const key = at.join('.');
        throw new StowageError('CONFIG_INVALID', `${walk.where(key)}${key} is not supported: ${judged.why}`, { key });
      }
      if (judged.verdict === 'warn') walk.warnings.push(`${at.join('.')} is ignored: ${judged.why}`);
    }
  }
  return out;
}

function invalid(walk: Walk, path: string[], message: string): StowageError {
  const key = path.join('.');
  return new StowageError('CONFIG_INVALID', `${walk.where(key)}${key ? `${key}: ` : ''}${message}`, { key });
}

/** An unknown key, named with the first key under it (`htp.addr`, not just `htp`), as the user wrote it. */
function unknownKey(walk: Walk, path: string[], section: SectionKey, tail: string[]): StowageError {
  const suggestion = nearestKey(walk.table, path, section);
  const key = [...path, ...tail].join('.');
  const meant = suggestion === undefined ? '' : ` (did you mean ${[suggestion, ...tail].join('.')}?)`;
  return new StowageError('CONFIG_INVALID', `${walk.where(path.join('.'))}unknown key ${key}${meant}`, { key });
}

function firstLeaf(value: unknown): string[] {
  const tail: string[] = [];
  for (let at = value; at !== null && typeof at === 'object' && !Array.isArray(at); ) {
    const first = Object.keys(at)[0];
    if (first === undefined) break;
    tail.push(first);
    at = (at as Record<string, unknown>)[first];
  }
  return tail;
}

/**
 * The known key a typo most likely meant: a sibling a couple of edits away (`enabeld`,
 * `HTTP`), or the same name where it belongs (`storage.rootdirectory`).
 */
function nearestKey(table: SectionKey, path: string[], section: SectionKey): string | undefined {
  const name = path[path.length - 1] ?? '';
  const parent = path.slice(0, -1);
  const allowed = name.length <= 4 ? 1 : 2;
  let best: { name: string; cost: number } | undefined;
  for (const sibling of Object.keys(section.keys)) {
    const cost = distance(name.toLowerCase(), sibling);
    // Or the same long start with another ending (`maxheadersize` for `maxheaderbytes`).
    const shared = commonPrefix(name.toLowerCase(), sibling);
    const near = cost <= allowed || (shared >= 5 && shared * 2 >= Math.max(name.length, sibling.length));
    if (near && (!best || cost < best.cost)) best = { name: sibling, cost };
  }
  if (best) return [...parent, best.name].join('.');
  return allPaths(table).find((known) => known.endsWith(`.${name}`));
}

function commonPrefix(a: string, b: string): number {
  let n = 0;
  while (n < a.length && a[n] === b[n]) n++;
  return n;
}

/** Every key path of the table, shallow first. */
export function allPaths(table: SectionKey, prefix = ''): string[] {
  const here = Object.keys(table.keys).map((name) => `${prefix}${name}`);
  const deeper = Object.entries(table.keys).flatMap(([name, key]) => (key.kind === 'section' ? allPaths(key, `${prefix}${name}.`) : []));
  return [...here, ...deeper];
}

function describe(value: unknown): string {
  if (Array.isArray(value)) return 'a list';
  return typeof value === 'string' ? `"${value.slice(0, 40)}"` : String(value);
}
