import { sprint, sprintf, sprintln, formatValue } from './fmt.js';
import { marshal } from './json.js';
import { ANY, BOOL, INT, INVALID, STRING, STRINGS, byteLength, indirect, intOf, isNil, mapEntries, mapGet, sliceItems, truth, typeName, val, zero, type GoType, type Val } from './values.js';

/**
 * The functions a docker `--format` template can call: Go's builtins (text/template/funcs.go)
 * and docker's (docker/cli templates/templates.go: json, split, join, title, lower, upper,
 * pad, truncate), each with its Go parameter types so arguments are checked as Go checks them
 * ("wrong type for value; expected string; got int64"). A function's failure is a CallError;
 * the evaluator reports it as "error calling NAME: …".
 */

/** Go parameter types: reflect.Value (anything), any, string, int, []string. */
export type Param = 'value' | 'any' | 'string' | 'int' | 'strings';

export interface Func {
  params: Param[];
  /** The type of the variadic arguments, if any. */
  variadic?: Param;
  call(args: Val[], names: string[]): Val;
}

export class CallError extends Error {}

const str = (s: string): Val => ({ t: STRING, v: s });
const bool = (b: boolean): Val => ({ t: BOOL, v: b });

/** reflect's indirectInterface: a nil interface is no value at all. */
export function unwrapNil(x: Val): Val {
  return x.t.k === 'iface' && isNil(x) ? INVALID : x;
}

type Kind = 'bool' | 'int' | 'uint' | 'float' | 'string' | 'invalid';

function basicKind(x: Val): Kind {
  const k = x.t.k;
  return k === 'bool' || k === 'int' || k === 'uint' || k === 'float' || k === 'string' ? k : 'invalid';
}

function num(x: Val): number {
  return x.t.k === 'float' ? (x.v as number) : Number(intOf(x));
}

function eq(arg1: Val, rest: Val[]): boolean {
  const a = unwrapNil(arg1);
  if (rest.length === 0) throw new CallError('missing argument for comparison');
  const k1 = basicKind(a);
  for (const raw of rest) {
    const b = unwrapNil(raw);
    const k2 = basicKind(b);
    let same = false;
    if (k1 !== k2) {
      if (k1 === 'int' && k2 === 'uint') same = intOf(a) >= 0n && intOf(a) === intOf(b);
      else if (k1 === 'uint' && k2 === 'int') same = intOf(b) >= 0n && intOf(a) === intOf(b);
      else if (a.t.k !== 'invalid' && b.t.k !== 'invalid') throw new CallError('incompatible types for comparison');
    } else if (k1 === 'int' || k1 === 'uint') same = intOf(a) === intOf(b);
    else if (k1 === 'float') same = num(a) === num(b);
    else if (k1 === 'bool' || k1 === 'string') same = a.v === b.v;
    else {
      if (a.t.k !== b.t.k && a.t.k !== 'invalid' && b.t.k !== 'invalid') {
        throw new CallError(`non-comparable types ${show(a)}: ${typeName(a.t)}, ${typeName(b.t)}: ${show(b)}`);
      }
      if (isNil(a) || isNil(b)) same = isNil(a) === isNil(b);
      else if (b.t.k === 'slice' || b.t.k === 'map') throw new CallError(`non-comparable type ${show(b)}: ${typeName(b.t)}`);
      else same = JSON.stringify(a.v) === JSON.stringify(b.v);
    }
    if (same) return true;
  }
  return false;
}

function lt(arg1: Val, arg2: Val): boolean {
  const a = unwrapNil(arg1);
  const b = unwrapNil(arg2);
  const k1 = basicKind(a);
  const k2 = basicKind(b);
  if (k1 === 'invalid' || k2 === 'invalid') throw new CallError('invalid type for comparison');
  if (k1 !== k2) {
    if (k1 === 'int' && k2 === 'uint') return intOf(a) < 0n || intOf(a) < intOf(b);
    if (k1 === 'uint' && k2 === 'int') return intOf(b) >= 0n && intOf(a) < intOf(b);
    throw new CallError('incompatible types for comparison');
  }
  if (k1 === 'bool') throw new CallError('invalid type for comparison');
  if (k1 === 'string') return Buffer.compare(Buffer.from(a.v as string), Buffer.from(b.v as string)) < 0;
  if (k1 === 'float') return num(a) < num(b);
  return intOf(a) < intOf(b);
}

function show(x: Val): string {
  return formatValue(x, 'v', { plus: false, minus: false, sharp: false, space: false, zero: false, width: undefined, prec: undefined }, 0);
}

/** indexArg: an int index within [0, cap]; Go lets index == len through to reflect's panic. */
function indexArg(index: Val, cap: number): number {
  const i = unwrapNil(index);
  if (i.t.k === 'invalid') throw new CallError('cannot index slice/array with nil');
  if (i.t.k !== 'int' && i.t.k !== 'uint') throw new CallError(`cannot index slice/array with type ${typeName(i.t)}`);
  const x = intOf(i);
  if (x < 0n || x > BigInt(cap)) throw new CallError(`index out of range: ${x}`);
  return Number(x);
}

function index(item: Val, indexes: Val[]): Val {
  let current = unwrapNil(item);
  if (current.t.k === 'invalid') throw new CallError('index of untyped nil');
  for (const raw of indexes) {
    const { value, isNil: nil } = indirect(current);
    if (nil) throw new CallError('index of nil pointer');
    current = value;
    if (current.t.k === 'slice') {
      const items = sliceItems(current);
      const x = indexArg(raw, items.length);
      if (x === items.length) throw new CallError('reflect: slice index out of range');
      current = items[x] as Val;
    } else if (current.t.k === 'string') {
      const bytes = Buffer.from(current.v as string);
      const x = indexArg(raw, bytes.length);
      if (x === bytes.length) throw new CallError('reflect: string index out of range');
      current = { t: { k: 'uint', name: 'uint8' }, v: BigInt(bytes[x] as number) };
    } else if (current.t.k === 'map') {
      const key = unwrapNil(raw);
      if (key.t.k === 'invalid') throw new CallError('value is nil; should be of type string');
      if (key.t.k !== 'string' || key.t.name !== undefined) throw new CallError(`value has type ${typeName(key.t)}; should be string`);
      current = mapGet(current, key.v as string) ?? val(current.t.elem, zero(current.t.elem));
    } else throw new CallError(`can't index item of type ${typeName(current.t)}`);
  }
  return current;
}

function sliceOf(item: Val, indexes: Val[]): Val {
  const x = unwrapNil(item);
  if (x.t.k === 'invalid') throw new CallError('slice of untyped nil');
  if (indexes.length > 3) throw new CallError(`too many slice indexes: ${indexes.length}`);
  let length: number;
  if (x.t.k === 'string') {
    if (indexes.length === 3) throw new CallError('cannot 3-index slice a string');
    length = byteLength(x.v as string);
  } else if (x.t.k === 'slice') length = sliceItems(x).length;
  else throw new CallError(`can't slice item of type ${typeName(x.t)}`);
  const idx = [0, length, length];
  indexes.forEach((i, n) => (idx[n] = indexArg(i, length)));
  const [from, to, max] = idx as [number, number, number];
  if (from > to) throw new CallError(`invalid slice index: ${from} > ${to}`);
  if (indexes.length === 3 && to > max) throw new CallError(`invalid slice index: ${to} > ${max}`);
  if (x.t.k === 'string') return { t: x.t, v: Buffer.from(x.v as string).subarray(from, to).toString() };
  return { t: x.t, v: (x.v as unknown[]).slice(from, to) };
}

function length(item: Val): Val {
  const { value, isNil: nil } = indirect(item);
  if (nil) throw new CallError('len of nil pointer');
  switch (value.t.k) {
    case 'string':
      return { t: INT, v: BigInt(byteLength(value.v as string)) };
    case 'slice':
      return { t: INT, v: BigInt(sliceItems(value).length) };
    case 'map':
      return { t: INT, v: BigInt(mapEntries(value).length) };
    case 'invalid':
      throw new CallError('reflect: call of reflect.Value.Type on zero Value');
    default:
      throw new CallError(`len of type ${typeName(value.t)}`);
  }
}

/** evalArgs of html, js and urlquery: one string as is, else fmt.Sprint, nil as "<no value>". */
function evalArgs(args: Val[]): string {
  if (args.length === 1 && args[0]?.t.k === 'string' && args[0].t.name === undefined) return args[0].v as string;
  return sprint(args.map((a) => (a.t.k === 'invalid' || (a.t.k === 'iface' && isNil(a)) ? str('<no value>') : a.t.k === 'ptr' ? indirect(a).value : a)));
}

const HTML: Record<string, string> = { '"': '&#34;', "'": '&#39;', '&': '&amp;', '<': '&lt;', '>': '&gt;', '\u0000': '\ufffd' };

function jsEscape(s: string): string {
  let out = '';
  for (const c of s) {
    const cp = c.codePointAt(0) as number;
    if (c === '\\' || c === "'" || c === '"') out += `\\${c}`;
    else if (c === '<' || c === '>' || c === '&' || c === '=') out += `\\u00${cp.toString(16).toUpperCase()}`;
    else if (cp < 0x20) out += `\\u00${cp.toString(16).toUpperCase().padStart(2, '0')}`;
    else if (cp >= 0x80 && !/^[\p{L}\p{M}\p{N}\p{P}\p{S} ]$/u.test(c)) out += `\\u${cp.toString(16).toUpperCase().padStart(4, '0')}`;
    else out += c;
  }
  return out;
}

/** url.QueryEscape: unreserved bytes kept, space as '+', the rest %XX. */
function queryEscape(s: string): string {
  let out = '';
  for (const b of Buffer.from(s)) {
    const c = String.fromCharCode(b);
    if (/[A-Za-z0-9\-_.~]/.test(c)) out += c;
    else if (c === ' ') out += '+';
    else out += `%${b.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

/** strings.Title: the first letter of each word (after a separator) upper-cased. */
function title(s: string): string {
  let prev = ' ';
  let out = '';
  for (const c of s) {
    const separator = /[\x00-\x7f]/.test(prev) ? !/[0-9A-Za-z_]/.test(prev) : !/[\p{L}\p{Nd}]/u.test(prev) && /\s/u.test(prev);
    out += separator ? c.toUpperCase() : c;
    prev = c;
  }
  return out;
}

const valueOf = (x: Val): string => x.v as string;
const strings = (list: string[]): Val => ({ t: STRINGS, v: list });

/** Go's builtins. `and`/`or` are evaluated lazily by the executor; these never run. */
export const BUILTINS: Record<string, Func> = {
  and: { params: ['value'], variadic: 'value', call: (args) => args[args.length - 1] as Val },
  or: { params: ['value'], variadic: 'value', call: (args) => args[args.length - 1] as Val },
  not: { params: ['value'], call: ([a]) => bool(!truth(unwrapNil(a as Val)).truth) },
  len: { params: ['value'], call: ([a]) => length(a as Val) },
  index: { params: ['value'], variadic: 'value', call: ([item, ...rest]) => index(item as Val, rest) },
  slice: { params: ['value'], variadic: 'value', call: ([item, ...rest]) => sliceOf(item as Val, rest) },
  print: { params: [], variadic: 'any', call: (args) => str(sprint(args)) },
  printf: { params: ['string'], variadic: 'any', call: ([format, ...args]) => str(sprintf(valueOf(format as Val), args)) },
  println: { params: [], variadic: 'any', call: (args) => str(sprintln(args)) },
  html: { params: [], variadic: 'any', call: (args) => str(evalArgs(args).replace(/["'&<>\u0000]/g, (c) => HTML[c] as string)) },
  js: { params: [], variadic: 'any', call: (args) => str(jsEscape(evalArgs(args))) },
  urlquery: { params: [], variadic: 'any', call: (args) => str(queryEscape(evalArgs(args))) },
  eq: { params: ['value'], variadic: 'value', call: ([a, ...rest]) => bool(eq(a as Val, rest)) },
  ne: { params: ['value', 'value'], call: ([a, b]) => bool(!eq(a as Val, [b as Val])) },
  lt: { params: ['value', 'value'], call: ([a, b]) => bool(lt(a as Val, b as Val)) },
  le: { params: ['value', 'value'], call: ([a, b]) => bool(lt(a as Val, b as Val) || eq(a as Val, [b as Val])) },
  gt: { params: ['value', 'value'], call: ([a, b]) => bool(!(lt(a as Val, b as Val) || eq(a as Val, [b as Val]))) },
  ge: { params: ['value', 'value'], call: ([a, b]) => bool(!lt(a as Val, b as Val)) },
  call: {
    params: ['value'],
    variadic: 'value',
    call: ([fn], names) => {
      const f = unwrapNil(fn as Val);
      if (f.t.k === 'invalid') throw new CallError('call of nil');
      // Template data here holds no functions.
      throw new CallError(`non-function ${names[0] ?? ''} of type ${typeName(f.t)}`);
    },
  },
};

/** docker/cli templates.basicFunctions. */
export const DOCKER_FUNCTIONS: Record<string, Func> = {
  json: { params: ['any'], call: ([v]) => str(marshal(v as Val, false)) },
  split: { params: ['string', 'string'], call: ([s, sep]) => strings(goSplit(valueOf(s as Val), valueOf(sep as Val))) },
  join: { params: ['strings', 'string'], call: ([list, sep]) => str(sliceItems(list as Val).map(valueOf).join(valueOf(sep as Val))) },
  title: { params: ['string'], call: ([s]) => str(title(valueOf(s as Val))) },
  lower: { params: ['string'], call: ([s]) => str(valueOf(s as Val).toLowerCase()) },
  upper: { params: ['string'], call: ([s]) => str(valueOf(s as Val).toUpperCase()) },
  pad: {
    params: ['string', 'int', 'int'],
    call: ([s, prefix, suffix]) => {
      const text = valueOf(s as Val);
      return str(text === '' ? '' : ' '.repeat(Math.max(0, Number(intOf(prefix as Val)))) + text + ' '.repeat(Math.max(0, Number(intOf(suffix as Val)))));
    },
  },
  truncate: {
    params: ['string', 'int'],
    call: ([s, n]) => {
      const bytes = Buffer.from(valueOf(s as Val));
      const max = Number(intOf(n as Val));
      if (max < 0) throw new CallError(`runtime error: slice bounds out of range [:${max}]`);
      return str(bytes.length < max ? valueOf(s as Val) : bytes.subarray(0, max).toString());
    },
  },
};

/**
 * docker's HeaderFunctions: a table's header row runs the same template over the column
 * names, with these in place of the data functions so `{{upper .Tag}}` heads its column "TAG".
 */
export const HEADER_FUNCTIONS: Record<string, Func> = {
  ...DOCKER_FUNCTIONS,
  json: { params: ['string'], call: ([v]) => v as Val },
  split: { params: ['string', 'string'], call: ([v]) => v as Val },
  join: { params: ['string', 'string'], call: ([v]) => v as Val },
  title: { params: ['string'], call: ([v]) => v as Val },
  lower: { params: ['string'], call: ([v]) => v as Val },
  upper: { params: ['string'], call: ([v]) => v as Val },
  truncate: { params: ['string', 'int'], call: ([v]) => v as Val },
};

/** strings.Split: "" splits into characters; no separator found gives the whole string. */
function goSplit(s: string, sep: string): string[] {
  if (sep === '') return [...s];
  return s.split(sep);
}

export const FUNCTION_NAMES: ReadonlySet<string> = new Set([...Object.keys(BUILTINS), ...Object.keys(DOCKER_FUNCTIONS)]);

/** The Go type of a parameter, for messages. */
export function paramTypeName(param: Param): string {
  return { value: 'reflect.Value', any: 'interface {}', string: 'string', int: 'int', strings: '[]string' }[param];
}

export const PARAM_TYPES: Record<Exclude<Param, 'value' | 'any'>, GoType> = { string: STRING, int: INT, strings: STRINGS };
export { ANY };
