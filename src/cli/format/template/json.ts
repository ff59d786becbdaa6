import { compareStrings, fieldValue, intOf, isNil, mapEntries, sliceItems, structFields, val, type Val } from './values.js';

/**
 * encoding/json for template values, as docker's `json` function writes them: maps with
 * sorted keys, nil slices and maps as null, structs in the order their data holds (our
 * inspect objects are already shaped as docker's JSON, omitempty fields left out), and no
 * HTML escaping unless asked (json.Marshal, as formatter rows use, escapes <, > and &).
 */
export function marshal(x: Val, escapeHtml: boolean): string {
  if (x.t.k === 'struct' && x.t.json) return x.t.json(x.v);
  return goJson(plain(x), escapeHtml);
}

/** encoding/json's isEmptyValue, for omitempty. */
function isEmpty(x: Val): boolean {
  switch (x.t.k) {
    case 'string':
      return x.v === '';
    case 'bool':
      return x.v === false;
    case 'int':
    case 'uint':
      return intOf(x) === 0n;
    case 'float':
      return x.v === 0;
    case 'slice':
    case 'map':
      return isNil(x) || (x.t.k === 'slice' ? sliceItems(x).length === 0 : mapEntries(x).length === 0);
    case 'ptr':
    case 'iface':
    case 'invalid':
      return isNil(x);
    default:
      return false;
  }
}

/** JSON text written as is: a number's digits, or what a type's own MarshalJSON gave. */
export class RawJson {
  constructor(readonly text: string) {}
}

/** A JS value whose JSON.stringify is Go's encoding, key order included. */
function plain(x: Val): unknown {
  const t = x.t;
  switch (t.k) {
    case 'invalid':
    case 'iface':
      return null;
    case 'string':
      return t.name === 'json.Number' ? new RawJson(String(x.v)) : x.v;
    case 'bool':
    case 'float':
      return x.v;
    case 'int':
    case 'uint':
      return new RawJson(intOf(x).toString());
    case 'time':
      return x.v;
    case 'ptr':
      return isNil(x) ? null : plain(val(t.elem, x.v));
    case 'slice':
      return isNil(x) ? null : sliceItems(x).map(plain);
    case 'map': {
      if (isNil(x)) return null;
      const out = Object.create(null) as Record<string, unknown>;
      for (const [k, v] of mapEntries(x)) out[k] = plain(v);
      return out;
    }
    case 'struct': {
      if (t.json) return new RawJson(t.json(x.v));
      // encoding/json of a struct: its fields in order, omitempty ones left out when empty.
      const out = Object.create(null) as Record<string, unknown>;
      for (const f of structFields(t)) {
        if (f.embedded) continue;
        const v = fieldValue(x, f);
        if (f.omit && isEmpty(v)) continue;
        out[f.key ?? f.name] = plain(v);
      }
      return out;
    }
  }
}

/**
 * JSON text as Go's encoding/json writes it: U+2028/U+2029 escaped, and with `escapeHtml`
 * '<', '>' and '&' as \u003c, \u003e, \u0026. Plain objects keep their key order; bigints
 * and RawJson are written as their text.
 */
export function goJson(value: unknown, escapeHtml: boolean): string {
  const raw: string[] = [];
  const text =
    JSON.stringify(value, (_key, v: unknown) => {
      if (v instanceof RawJson) return `\u0000raw:${raw.push(v.text) - 1}`;
      if (typeof v === 'bigint') return `\u0000raw:${raw.push(v.toString()) - 1}`;
      return v;
    }) ?? 'null';
  let escaped = text.replace(/[\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16)}`);
  if (escapeHtml) escaped = escaped.replace(/[<>&]/g, (c) => `\\u00${c.charCodeAt(0).toString(16)}`);
  // Raw pieces go in last: a MarshalJSON's text is already escaped as its encoder chose.
  return escaped.replace(/"\\u0000raw:(\d+)"/g, (_m, i: string) => raw[Number(i)] as string);
}

/** Go sorts map keys; used for JSON of plain data that stands for a Go map. */
export function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value === null || typeof value !== 'object') return value;
  const out = Object.create(null) as Record<string, unknown>;
  for (const key of Object.keys(value as object).sort(compareStrings)) out[key] = sortKeys((value as Record<string, unknown>)[key]);
  return out;
}
