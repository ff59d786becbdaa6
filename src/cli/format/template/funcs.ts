import { length, index, sliceOf } from './collections.js';
import { eq, lt } from './compare.js';
import { CallError, unwrapNil } from './errors.js';
import { sprint, sprintf, sprintln } from './fmt.js';
import { marshal } from './json.js';
import { ANY, BOOL, INT, STRING, STRINGS, indirect, intOf, isNil, sliceItems, truth, typeName, type GoType, type Val } from './values.js';

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

const str = (s: string): Val => ({ t: STRING, v: s });
const bool = (b: boolean): Val => ({ t: BOOL, v: b });

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

const stringOf = (x: Val): string => x.v as string;
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
  printf: { params: ['string'], variadic: 'any', call: ([format, ...args]) => str(sprintf(stringOf(format as Val), args)) },
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
  split: { params: ['string', 'string'], call: ([s, sep]) => strings(goSplit(stringOf(s as Val), stringOf(sep as Val))) },
  join: {
    params: ['strings', 'string'],
    call: ([list, sep]) =>
      str(
        sliceItems(list as Val)
          .map(stringOf)
          .join(stringOf(sep as Val)),
      ),
  },
  title: { params: ['string'], call: ([s]) => str(title(stringOf(s as Val))) },
  lower: { params: ['string'], call: ([s]) => str(stringOf(s as Val).toLowerCase()) },
  upper: { params: ['string'], call: ([s]) => str(stringOf(s as Val).toUpperCase()) },
  pad: {
    params: ['string', 'int', 'int'],
    call: ([s, prefix, suffix]) => {
      const text = stringOf(s as Val);
      return str(text === '' ? '' : ' '.repeat(Math.max(0, Number(intOf(prefix as Val)))) + text + ' '.repeat(Math.max(0, Number(intOf(suffix as Val)))));
    },
  },
  truncate: {
    params: ['string', 'int'],
    call: ([s, n]) => {
      const bytes = Buffer.from(stringOf(s as Val));
      const max = Number(intOf(n as Val));
      if (max < 0) throw new CallError(`runtime error: slice bounds out of range [:${max}]`);
      return str(bytes.length < max ? stringOf(s as Val) : bytes.subarray(0, max).toString());
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
