/**
 * Go values as a template sees them through reflect: each JS value goes with a Go type, so
 * that printing, truth, comparison and field lookup follow Go's rules (a nil slice prints `[]`,
 * a missing struct field is an error, a missing map key is `<no value>`, int64 and string do
 * not compare). Data without a declared type is typed as encoding/json decodes into `any`:
 * strings, numbers (int when whole, else float64; json.Number in docker's raw inspect
 * fallback), bools, `[]interface {}` and `map[string]interface {}`.
 */

export type GoType =
  | { k: 'string'; name?: string }
  | { k: 'bool' }
  | { k: 'int'; name: string }
  | { k: 'uint'; name: string }
  | { k: 'float'; name: string }
  | { k: 'slice'; elem: GoType; name?: string }
  | { k: 'map'; elem: GoType; name?: string }
  | StructType
  | { k: 'ptr'; elem: GoType }
  /** interface {}: the dynamic type comes from the JS value; `jsonNumbers` types numbers as json.Number. */
  | { k: 'iface'; jsonNumbers?: boolean }
  /** time.Time, held as its RFC 3339 text; prints through its String method. */
  | { k: 'time' }
  | { k: 'invalid' };

export interface StructType {
  k: 'struct';
  name: string;
  fields: StructField[];
  /** Docker's formatter contexts: the fields are methods (taking no argument). */
  methods?: boolean;
  /** How `json` writes it (formatter contexts: json.Marshal of a sorted map). */
  json?: (v: unknown) => string;
}

export interface StructField {
  name: string;
  type: GoType;
  /** The JS property holding it (the JSON name), when not `name`. */
  key?: string;
  /** An embedded struct: its fields are promoted, its data is the parent's. */
  embedded?: boolean;
  /** `json:",omitempty"`: left out of JSON when empty. */
  omit?: boolean;
}

export interface Val {
  t: GoType;
  v: unknown;
  /** Read out of an interface {} (a map or slice of any): Go's errors name that static type. */
  s?: GoType;
}

export const STRING: GoType = { k: 'string' };
export const BOOL: GoType = { k: 'bool' };
export const INT: GoType = { k: 'int', name: 'int' };
export const INT64: GoType = { k: 'int', name: 'int64' };
export const FLOAT64: GoType = { k: 'float', name: 'float64' };
export const ANY: GoType = { k: 'iface' };
export const RAW_ANY: GoType = { k: 'iface', jsonNumbers: true };
export const TIME: GoType = { k: 'time' };
export const INVALID: Val = { t: { k: 'invalid' }, v: undefined };

export const slice = (elem: GoType, name?: string): GoType => (name === undefined ? { k: 'slice', elem } : { k: 'slice', elem, name });
export const map = (elem: GoType): GoType => ({ k: 'map', elem });
export const ptr = (elem: GoType): GoType => ({ k: 'ptr', elem });
export const STRINGS = slice(STRING);

export function val(t: GoType, v: unknown): Val {
  if (t.k !== 'iface') return { t, v };
  const x = concrete(t, v);
  return x.t === t ? x : { ...x, s: t };
}

/** An interface's dynamic value: what the JS value is, as encoding/json would decode it. */
function concrete(iface: GoType & { k: 'iface' }, v: unknown): Val {
  if (v === null || v === undefined) return { t: iface, v: null };
  if (typeof v === 'string') return { t: STRING, v };
  if (typeof v === 'boolean') return { t: BOOL, v };
  if (typeof v === 'bigint') return { t: INT, v };
  if (typeof v === 'number') {
    if (iface.jsonNumbers) return { t: { k: 'string', name: 'json.Number' }, v: numberText(v) };
    return Number.isInteger(v) ? { t: INT, v: BigInt(v) } : { t: FLOAT64, v };
  }
  if (Array.isArray(v)) return { t: slice(iface), v };
  if (typeof v === 'object') return { t: map(iface), v };
  return { t: STRING, v: String(v) };
}

/** json.Number keeps the number's text as JSON wrote it. */
function numberText(v: number): string {
  return JSON.stringify(v);
}

/** Integers are bigint inside the engine: int64 and uint64 both fit. */
export function intOf(x: Val): bigint {
  const v = x.v;
  if (typeof v === 'bigint') return v;
  if (typeof v === 'number') return BigInt(Math.trunc(v));
  return 0n;
}

export function isNil(x: Val): boolean {
  switch (x.t.k) {
    case 'invalid':
      return true;
    case 'iface':
    case 'ptr':
    case 'slice':
    case 'map':
      return x.v === null || x.v === undefined;
    default:
      return false;
  }
}

/** reflect's indirect: through pointers (and nil interfaces) to the value. */
export function indirect(x: Val): { value: Val; isNil: boolean } {
  let value = x;
  while (value.t.k === 'ptr' || value.t.k === 'iface') {
    if (isNil(value)) return { value, isNil: true };
    value = val(value.t.k === 'ptr' ? value.t.elem : value.t, value.v);
    if (value.t.k === 'iface') break;
  }
  return { value, isNil: false };
}

/** Element i of a slice, typed. */
export function sliceItems(x: Val): Val[] {
  if (x.t.k !== 'slice' || !Array.isArray(x.v)) return [];
  const elem = x.t.elem;
  return x.v.map((item) => val(elem, item));
}

/** A map's entries in Go's order for printing and range: sorted keys. */
export function mapEntries(x: Val): Array<[string, Val]> {
  if (x.t.k !== 'map' || x.v === null || typeof x.v !== 'object') return [];
  const elem = x.t.elem;
  const record = x.v as Record<string, unknown>;
  return Object.keys(record)
    .sort(compareStrings)
    .map((key) => [key, val(elem, record[key])]);
}

export function mapGet(x: Val, key: string): Val | undefined {
  if (x.t.k !== 'map' || x.v === null || typeof x.v !== 'object' || !Object.hasOwn(x.v, key)) return undefined;
  return val(x.t.elem, (x.v as Record<string, unknown>)[key]);
}

/** Go compares strings bytewise: UTF-8 order is code point order. */
export function compareStrings(a: string, b: string): number {
  if (a === b) return 0;
  const ca = [...a];
  const cb = [...b];
  for (let i = 0; i < Math.min(ca.length, cb.length); i++) {
    const x = (ca[i] as string).codePointAt(0) as number;
    const y = (cb[i] as string).codePointAt(0) as number;
    if (x !== y) return x < y ? -1 : 1;
  }
  return ca.length - cb.length;
}

/** A struct's fields in order, embedded structs' promoted, with the data each is read from. */
export function structFields(t: StructType): StructField[] {
  return t.fields.flatMap((f) => (f.embedded && f.type.k === 'struct' ? [f, ...structFields(f.type)] : [f]));
}

export function lookupField(t: StructType, name: string): StructField | undefined {
  const own = t.fields.find((f) => f.name === name);
  if (own) return own;
  for (const f of t.fields) {
    if (f.embedded && f.type.k === 'struct') {
      const found = lookupField(f.type, name);
      if (found) return found;
    }
  }
  return undefined;
}

/** A field's value: a missing property is the Go zero value of the field's type. */
export function fieldValue(x: Val, field: StructField): Val {
  if (field.embedded) return val(field.type, x.v);
  const record = (x.v ?? {}) as Record<string, unknown>;
  const raw = record[field.key ?? field.name];
  return val(field.type, raw === undefined ? zero(field.type) : raw);
}

export function zero(t: GoType): unknown {
  switch (t.k) {
    case 'string':
      return '';
    case 'bool':
      return false;
    case 'int':
    case 'uint':
      return 0n;
    case 'float':
      return 0;
    case 'struct':
      return {};
    case 'time':
      return '0001-01-01T00:00:00Z';
    default:
      return null;
  }
}

/** Go's isTrue: zero values, nil and empty collections are false; structs are true. */
export function truth(x: Val): { truth: boolean; ok: boolean } {
  const v = x.v;
  switch (x.t.k) {
    case 'invalid':
      return { truth: false, ok: true };
    case 'string':
      return { truth: (v as string).length > 0, ok: true };
    case 'bool':
      return { truth: v === true, ok: true };
    case 'int':
    case 'uint':
      return { truth: intOf(x) !== 0n, ok: true };
    case 'float':
      return { truth: (v as number) !== 0, ok: true };
    case 'slice':
      return { truth: Array.isArray(v) && v.length > 0, ok: true };
    case 'map':
      return { truth: v !== null && typeof v === 'object' && Object.keys(v).length > 0, ok: true };
    case 'ptr':
    case 'iface':
      return { truth: !isNil(x), ok: true };
    case 'struct':
    case 'time':
      return { truth: true, ok: true };
  }
}

/** Go's name of a type, as %T and error messages print it. */
export function typeName(t: GoType): string {
  switch (t.k) {
    case 'string':
      return t.name ?? 'string';
    case 'bool':
      return 'bool';
    case 'int':
    case 'uint':
    case 'float':
      return t.name;
    case 'slice':
      return t.name ?? `[]${typeName(t.elem)}`;
    case 'map':
      return t.name ?? `map[string]${typeName(t.elem)}`;
    case 'struct':
      return t.name;
    case 'ptr':
      return `*${typeName(t.elem)}`;
    case 'iface':
      return 'interface {}';
    case 'time':
      return 'time.Time';
    case 'invalid':
      return '<nil>';
  }
}

/** Go's length of a string is in bytes. */
export function byteLength(s: string): number {
  return /^[\x00-\x7f]*$/.test(s) ? s.length : Buffer.byteLength(s);
}

/** A row type: docker's formatter context, every field a method returning a string. */
export function rowType(name: string, fields: readonly string[], json?: (v: unknown) => string): StructType {
  return { k: 'struct', name, fields: fields.map((f) => ({ name: f, type: STRING })), methods: true, ...(json ? { json } : {}) };
}
