import { tabwrite } from './table.js';

/**
 * `--format` as docker reads it (cli/command/formatter/formatter.go), without a Go template
 * engine: "table" (the verb's default columns), "table TEMPLATE" (a header row, then aligned
 * rows), "json" (one `{{json .}}` object per line) or a bare TEMPLATE (one line per row).
 * Templates take `{{.Field}}` and `{{.A.B}}`, `{{json .}}` / `{{json .Field}}`, `upper`,
 * `lower`, `join .Field "sep"`, and `{{-`/`-}}` trimming; literal `\t` and `\n` become a tab
 * and a newline, as docker's preFormat does. Anything else is an error naming what we take.
 */

export type FormatSpec = { mode: 'table'; template: string } | { mode: 'json' } | { mode: 'template'; template: string };

export type Row = Record<string, unknown>;

/** Reads a --format value; undefined or "" means the verb's default table. */
export function parseFormat(source: string | undefined, defaultTable: string): FormatSpec {
  const raw = source === undefined || source === '' ? 'table' : source;
  if (raw === 'json') return { mode: 'json' };
  if (raw.startsWith('table')) {
    const rest = raw === 'table' ? defaultTable : raw.slice('table'.length);
    return { mode: 'table', template: unescape(rest.trim()) };
  }
  return { mode: 'template', template: unescape(raw.trim()) };
}

/** docker's preFormat: the two-character sequences `\t` and `\n` in a --format mean tab and newline. */
function unescape(text: string): string {
  return text.replace(/\\t/g, '\t').replace(/\\n/g, '\n');
}

/**
 * Renders rows as docker's formatter.Context.Write does: each row's line ends in '\n'; a table
 * gets a header (the same template over `headers`) and tabwriter alignment. `headers` names
 * every field a row has, each with its column title ('' for none).
 */
export function renderRows(spec: FormatSpec, rows: Row[], headers: Record<string, string>): string {
  if (spec.mode === 'json') return rows.map((row) => `${goJson(row, true)}\n`).join('');
  const template = compileTemplate(spec.template);
  // Checked up front, so a mistyped field fails even when there is no row to show.
  const known = Object.keys(headers);
  const unknown = template.fields().find((field) => !known.includes(field));
  if (unknown !== undefined) throw formatError(`unknown field .${unknown}; fields: ${known.map((k) => `.${k}`).join(', ')}`);
  const body = rows.map((row) => `${template.render(row, { escapeRowJson: true })}\n`).join('');
  if (spec.mode === 'template') return body;
  return tabwrite(`${template.render(headers, { lenient: true })}\n${body}`);
}

/** One `{{ … }}` action, or literal text between them. */
type Part = { kind: 'text'; text: string } | { kind: 'action'; fn: string | undefined; args: Arg[]; source: string };
type Arg = { kind: 'path'; path: string[] } | { kind: 'string'; value: string };

export interface RenderOptions {
  /** Header rows: an unknown name renders blank instead of failing. */
  lenient?: boolean;
  /** Go sorts map keys in JSON (rows are maps); inspect data are structs, kept in order. */
  sortJsonKeys?: boolean;
  /**
   * The data is a docker formatter row, whose MarshalJSON is json.Marshal: `{{json .}}` then
   * escapes '<', '>' and '&' ("\u003cnone\u003e"); its fields, and inspect data, are not.
   */
  escapeRowJson?: boolean;
}

export interface Template {
  render(data: Row, options?: RenderOptions): string;
  /** The top-level field names the template reads (`Config` for `{{.Config.Env}}`). */
  fields(): string[];
}

const FUNCTIONS = ['json', 'upper', 'lower', 'join'];

/** Parses a template once; errors name the action and what this subset supports. */
export function compileTemplate(source: string): Template {
  const parts = parse(source);
  return {
    render(data, options = {}) {
      return parts.map((part) => (part.kind === 'text' ? part.text : runAction(part, data, options))).join('');
    },
    fields() {
      return parts.flatMap((part) => (part.kind === 'action' ? part.args : [])).flatMap((arg) => (arg.kind === 'path' && arg.path[0] !== undefined ? [arg.path[0]] : []));
    },
  };
}

function parse(source: string): Part[] {
  const parts: Part[] = [];
  let rest = source;
  while (rest.length > 0) {
    const open = rest.indexOf('{{');
    if (open < 0) {
      parts.push({ kind: 'text', text: rest });
      break;
    }
    const close = rest.indexOf('}}', open + 2);
    if (close < 0) throw formatError(`unclosed action in ${JSON.stringify(source)}`);
    let inner = rest.slice(open + 2, close);
    let before = rest.slice(0, open);
    let after = close + 2;
    // Go's trim markers: "{{- " eats the space before, " -}}" the space after.
    if (/^-\s/.test(inner)) {
      before = before.replace(/\s+$/, '');
      inner = inner.slice(1);
    }
    if (/\s-$/.test(inner)) {
      inner = inner.slice(0, -1);
      const trailing = /^\s*/.exec(rest.slice(after));
      after += trailing ? trailing[0].length : 0;
    }
    if (before !== '') parts.push({ kind: 'text', text: before });
    parts.push(parseAction(inner.trim()));
    rest = rest.slice(after);
  }
  return parts;
}

function parseAction(source: string): Part {
  const words = tokenize(source);
  const [first, ...rest] = words;
  if (first === undefined) throw formatError('empty action {{}}');
  if (first.startsWith('.') || first.startsWith('"')) {
    if (rest.length > 0) throw formatError(`unsupported action {{${source}}}: only {{.Field}} and ${FUNCTIONS.join(', ')}`);
    return { kind: 'action', fn: undefined, args: [parseArg(first, source)], source };
  }
  if (!FUNCTIONS.includes(first)) {
    throw formatError(`function "${first}" is not supported in {{${source}}}: use {{.Field}}, or ${FUNCTIONS.join(', ')}`);
  }
  const args = rest.map((word) => parseArg(word, source));
  const wanted = first === 'join' ? 2 : 1;
  if (args.length !== wanted) throw formatError(`{{${source}}}: ${first} takes ${wanted} argument${wanted > 1 ? 's' : ''}`);
  return { kind: 'action', fn: first, args, source };
}

/** Splits on spaces outside double quotes. */
function tokenize(source: string): string[] {
  return source.match(/"(?:[^"\\]|\\.)*"|[^\s]+/g) ?? [];
}

function parseArg(word: string, source: string): Arg {
  if (word.startsWith('"')) return { kind: 'string', value: JSON.parse(word) as string };
  if (word === '.') return { kind: 'path', path: [] };
  if (!/^(\.[A-Za-z_][A-Za-z0-9_]*)+$/.test(word)) throw formatError(`cannot read ${JSON.stringify(word)} in {{${source}}}: a field is written .Name`);
  return { kind: 'path', path: word.slice(1).split('.') };
}

function runAction(part: Extract<Part, { kind: 'action' }>, data: Row, options: RenderOptions): string {
  const lenient = options.lenient === true;
  const values = part.args.map((arg) => (arg.kind === 'string' ? arg.value : lookup(data, arg.path, part.source, lenient)));
  const [value, second] = values;
  switch (part.fn) {
    case undefined:
      return goString(value);
    case 'json':
      if (value === undefined && lenient) return '';
      return goJson(value, options.escapeRowJson === true && value === data, options.sortJsonKeys !== false);
    case 'upper':
      return goString(value).toUpperCase();
    case 'lower':
      return goString(value).toLowerCase();
    case 'join':
      return Array.isArray(value) ? value.map(goString).join(goString(second)) : goString(value);
    default:
      throw formatError(`function "${part.fn}" is not supported`);
  }
}

/**
 * Field lookup. A name missing from the row itself is an error listing the row's fields (docker:
 * "can't evaluate field X"); deeper down, objects are maps and a missing key prints <no value>.
 * Headers are looked up leniently: a column without a header name is blank, as in docker.
 */
function lookup(data: Row, path: string[], source: string, lenient: boolean): unknown {
  let value: unknown = data;
  for (let depth = 0; depth < path.length; depth++) {
    const key = path[depth] as string;
    if (value === null || typeof value !== 'object' || Array.isArray(value)) {
      if (lenient) return '';
      throw formatError(`{{${source}}}: .${path.slice(0, depth).join('.')} has no field ${key}`);
    }
    const record = value as Record<string, unknown>;
    if (!Object.hasOwn(record, key)) {
      if (lenient) return '';
      if (depth === 0) {
        throw formatError(`unknown field .${key} in {{${source}}}; fields: ${Object.keys(data).map((k) => `.${k}`).join(', ')}`);
      }
      return undefined;
    }
    value = record[key];
  }
  return value;
}

/** How Go's text/template prints a value (fmt %v): slices `[a b]`, maps `map[k:v]` by key. */
export function goString(value: unknown): string {
  if (value === undefined) return '<no value>';
  if (value === null) return '<nil>';
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  if (Array.isArray(value)) return `[${value.map(goString).join(' ')}]`;
  if (typeof value === 'object') {
    const entries = Object.keys(value as object)
      .sort()
      .map((k) => `${k}:${goString((value as Record<string, unknown>)[k])}`);
    return `map[${entries.join(' ')}]`;
  }
  return String(value);
}

/**
 * JSON as Go's encoding/json writes it: object keys sorted (docker marshals each row as a
 * map), U+2028/U+2029 escaped, and with `escapeHtml` '<', '>' and '&' as \u003c, \u003e,
 * \u0026 (a row's `{{json .}}` goes through json.Marshal, hence docker's "\u003cnone\u003e").
 */
export function goJson(value: unknown, escapeHtml: boolean, sorted = true): string {
  const text = JSON.stringify(sorted ? sortKeys(value) : value) ?? 'null';
  const escaped = text.replace(/[\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16)}`);
  if (!escapeHtml) return escaped;
  return escaped.replace(/[<>&]/g, (c) => `\\u00${c.charCodeAt(0).toString(16)}`);
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value as object).sort()) out[key] = sortKeys((value as Record<string, unknown>)[key]);
  return out;
}

function formatError(message: string): Error {
  return new Error(`invalid --format: ${message}`);
}
