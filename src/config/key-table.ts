import type { z } from 'zod';

/**
 * The machinery of the configuration key table (keys.ts): every key a config file may hold,
 * each one either implemented (a schema for its value), a section of further keys, or a key
 * of distribution's that Stowage does not implement, with what to do when it is given.
 * Nothing outside the table is accepted: a misspelt key is an error naming its path.
 */

/** How a REGISTRY_* variable's text becomes the key's value: as is, or read as YAML (as distribution does). */
export type EnvForm = 'text' | 'yaml';

export interface ValueKey<S extends z.ZodType = z.ZodType> {
  kind: 'value';
  schema: S;
  env: EnvForm;
}

export interface SectionKey<K extends KeyTable = KeyTable> {
  kind: 'section';
  keys: K;
}

/** What becomes of a key Stowage does not implement. */
export type Verdict =
  /** Stowage already behaves as the key asks (or needs nothing of it): accepted silently. */
  | { verdict: 'accept'; why: string }
  /** Ignoring it changes nothing that matters to security, data or what is served: one warning line. */
  | { verdict: 'warn'; why: string }
  /** Ignoring it would weaken security, put data elsewhere or serve something else: start is refused. */
  | { verdict: 'refuse'; why: string };

export interface UnimplementedKey {
  kind: 'unimplemented';
  judge: (value: unknown) => Verdict;
}

export type Key = ValueKey | SectionKey | UnimplementedKey;
export type KeyTable = { readonly [name: string]: Key };

/** A value whose text form (REGISTRY_*) is the value itself: names, paths, addresses, durations. */
export function text<S extends z.ZodType>(schema: S): ValueKey<S> {
  return { kind: 'value', schema, env: 'text' };
}

/** A value whose REGISTRY_* form is YAML: booleans, numbers, lists, mappings. */
export function yaml<S extends z.ZodType>(schema: S): ValueKey<S> {
  return { kind: 'value', schema, env: 'yaml' };
}

export function section<K extends KeyTable>(keys: K): SectionKey<K> {
  return { kind: 'section', keys };
}

export const accept = (why: string): UnimplementedKey => ({ kind: 'unimplemented', judge: () => ({ verdict: 'accept', why }) });
export const warn = (why: string): UnimplementedKey => ({ kind: 'unimplemented', judge: () => ({ verdict: 'warn', why }) });
export const refuse = (why: string): UnimplementedKey => ({ kind: 'unimplemented', judge: () => ({ verdict: 'refuse', why }) });
/** The verdict depends on the value (`relativeurls: true` is what Stowage does; `false` is not). */
export const judged = (judge: (value: unknown) => Verdict): UnimplementedKey => ({ kind: 'unimplemented', judge });

/** The parsed, typed configuration a table describes: implemented keys only, all optional. */
export type Infer<K extends Key> =
  K extends ValueKey<infer S>
    ? z.output<S>
    : K extends SectionKey<infer T>
      ? { -readonly [P in keyof T as T[P] extends UnimplementedKey ? never : P]?: Infer<T[P]> }
      : never;

/** Whether a value holds nothing: an absent or empty section (`health:`, `notifications: {}`). */
export function isEmpty(value: unknown): boolean {
  if (value === undefined || value === null || value === '') return true;
  if (Array.isArray(value)) return value.length === 0;
  if (typeof value === 'object') return Object.values(value as Record<string, unknown>).every(isEmpty);
  return false;
}

/** A mapping's entry, when `value` is a mapping. */
export function field(value: unknown, ...path: string[]): unknown {
  let at = value;
  for (const name of path) {
    if (at === null || typeof at !== 'object' || Array.isArray(at)) return undefined;
    at = (at as Record<string, unknown>)[name];
  }
  return at;
}
