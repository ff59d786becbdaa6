import { isStowageError } from '../../errors/error.js';
import { tabwrite } from './table.js';
import { compile, type Template } from './template/index.js';
import { goJson as jsonText, sortKeys } from './template/json.js';
import { RAW_ANY, map, rowType, slice, STRING, val, type GoType, type Val } from './template/values.js';

/**
 * `--format` as docker's CLI reads it (cli/command/formatter/formatter.go and
 * cli/command/inspect/inspector.go), over one Go template engine (./template): "table" (the
 * verb's default columns), "table TEMPLATE" (a header row, then aligned rows), "json" (one
 * `{{json .}}` object per line) or a bare TEMPLATE (one line per row). Literal `\t` and `\n`
 * become a tab and a newline, as docker's preFormat does (list verbs only: inspect and info
 * take the template as written).
 */

export type FormatSpec = { mode: 'table'; template: string } | { mode: 'json' } | { mode: 'template'; template: string };

export type Row = Record<string, unknown>;

/** Reads a --format value; undefined or "" means the verb's default table. */
export function parseFormat(source: string | undefined, defaultTable: string): FormatSpec {
  const raw = source === undefined || source === '' ? 'table' : source;
  if (raw === 'json') return { mode: 'json' };
  if (raw.startsWith('table')) {
    const rest = raw === 'table' ? defaultTable : raw.slice('table'.length);
    return { mode: 'table', template: unescapeFormat(rest.trim()) };
  }
  return { mode: 'template', template: unescapeFormat(raw.trim()) };
}

/** docker's preFormat: the two-character sequences `\t` and `\n` in a --format mean tab and newline. */
function unescapeFormat(text: string): string {
  return text.replace(/\\t/g, '\t').replace(/\\n/g, '\n');
}

/**
 * A docker formatter row type: every field a method returning a string, `{{json .}}` the
 * sorted map of them through json.Marshal (so '<', '>', '&' come out as \u003c …).
 */
function rowGoType(typeName: string, fields: readonly string[]): GoType {
  return rowType(typeName, fields, (v) => jsonText(sortKeys(plainRow(v as Row, fields)), true));
}

/**
 * What `{{json .}}` prints of a row: its enumerable fields. A row's non-enumerable fields
 * (`{{.ContentSize}}`) are Stowage's additions, readable by templates, kept out of the JSON so
 * it stays docker's byte for byte.
 */
function plainRow(row: Row, fields: readonly string[]): Row {
  const out: Row = {};
  for (const key of fields) if (Object.prototype.propertyIsEnumerable.call(row, key)) out[key] = row[key];
  return out;
}

/**
 * Renders rows as docker's formatter.Context.Write: each row's template output ends in '\n';
 * a table gets a header row (the same template over the column names, with docker's header
 * functions; like docker, an error there only cuts the header short) and tabwriter alignment.
 * A template error on a row prints nothing and fails, as docker does. `headers` names every
 * field a row has, each with its column title; `typeName` is what errors call the row type
 * (docker's own: "*formatter.imageContext").
 */
export function renderRows(spec: FormatSpec, rows: Row[], headers: Record<string, string>, typeName = '*formatter.context'): string {
  const fields = Object.keys(headers);
  const type = rowGoType(typeName, fields);
  if (spec.mode === 'json') return rows.map((row) => `${jsonText(sortKeys(plainRow(row, fields)), true)}\n`).join('');
  const template = compile(spec.template);
  const body = rows.map((row) => `${template.execute(val(type, row))}\n`).join('');
  if (spec.mode === 'template') return body;
  return tabwrite(`${headerRow(template, headers)}\n${body}`);
}

/** docker: tmpl.Funcs(HeaderFunctions).Execute(buffer, FullHeader()) with the error ignored. */
function headerRow(template: Template, headers: Record<string, string>): string {
  return template.execute(val(map(STRING), headers), { header: true });
}

/**
 * One object through a template (`info --format`, each `inspect` result): Go's output and a
 * newline; `\t`/`\n` are not rewritten (docker's inspect and info take templates as written).
 */
export function renderObject(template: Template, data: Val): string {
  return `${template.execute(data)}\n`;
}

/**
 * `info --format` (stowage info, stowage docker info), as docker info reads it: "json" is the
 * struct as json.Marshal writes it (fields in declaration order), a TEMPLATE runs over it as
 * written. Undefined when there is no format: the verb prints its own lines.
 */
export function renderInfoFormat(data: object, type: GoType, format: string | undefined): string | undefined {
  if (format === undefined || format === '') return undefined;
  if (format === 'json') return `${goJson(data, false, false)}\n`;
  return renderObject(compile(format), val(type, data));
}

export interface InspectOutput {
  text: string;
  /** Per-object template failures, reported after the output as docker's inspect does. */
  errors: Error[];
}

/**
 * `inspect --format` as docker's inspector: no format is the indented JSON array; "json" is
 * that array on one line; a template runs over each object as docker's type (`type`), and
 * where that fails, as docker does, over the raw JSON decoded into maps (json.Number numbers,
 * missingkey=error); the raw run's error is the one reported.
 *
 * Nothing found, as docker 28 prints it (checked against the CLI): `docker image inspect nope`
 * and `docker inspect nope` print `[]` (also with `--format json`), `--format TEMPLATE` prints
 * an empty line (TemplateInspector.Flush of an empty buffer); the error follows on stderr and
 * the exit status is 1. The list verbs never print `[]`: `docker images --format json` of
 * nothing prints nothing, a table its header alone.
 */
export function renderInspect(found: Record<string, unknown>[], format: string | undefined, type: GoType): InspectOutput {
  if (format === undefined || format === '') return { text: `${JSON.stringify(found, null, 4)}\n`, errors: [] };
  if (format === 'json') return { text: `${jsonText(found, false)}\n`, errors: [] };
  const template = compile(format);
  const errors: Error[] = [];
  let text = '';
  for (const object of found) {
    try {
      text += renderObject(template, val(type, object));
    } catch (typed) {
      if (isStowageError(typed, 'UNSUPPORTED')) {
        errors.push(typed);
        continue;
      }
      try {
        text += `${template.execute(val(RAW_ANY, JSON.parse(JSON.stringify(object)) as unknown), { missingKeyError: true })}\n`;
      } catch (err) {
        errors.push(err as Error);
      }
    }
  }
  return { text: text === '' ? '\n' : text, errors };
}

/** JSON as Go writes it; `sorted` sorts object keys as Go does for maps (docker's rows). */
export function goJson(value: unknown, escapeHtml: boolean, sorted = true): string {
  return jsonText(sorted ? sortKeys(value) : value, escapeHtml);
}

export { compile as compileTemplate };

export interface DiskUsageSections {
  Images: Row[];
  Containers: Row[];
  Volumes: Row[];
  BuildCache: Row[];
}

/** The fields of docker's verbose disk usage rows, by section (formatter/disk_usage.go). */
const DU_ROW_TYPES: Record<keyof DiskUsageSections, [string, string[]]> = {
  Images: [
    '*formatter.imageContext',
    ['Containers', 'CreatedAt', 'CreatedSince', 'Digest', 'ID', 'Repository', 'SharedSize', 'Size', 'Tag', 'UniqueSize', 'VirtualSize'],
  ],
  Containers: ['*formatter.ContainerContext', ['ID', 'Image', 'Command', 'LocalVolumes', 'Size', 'RunningFor', 'Status', 'Names']],
  Volumes: ['*formatter.volumeContext', ['Name', 'Links', 'Size']],
  BuildCache: ['*formatter.buildCacheContext', ['ID', 'CacheType', 'Size', 'CreatedSince', 'LastUsedSince', 'UsageCount', 'Shared']],
};

/**
 * `system df -v --format` other than the table: docker runs the template once over the whole
 * diskUsageContext ({{json .}} for "json", "table" stripped from "table TEMPLATE", no
 * tabwriter) and, unlike the list verbs, writes no newline after it.
 */
export function renderDiskUsage(format: string, sections: DiskUsageSections): string {
  const spec = parseFormat(format, '');
  const source = spec.mode === 'json' ? '{{json .}}' : spec.template;
  const fields = (Object.keys(DU_ROW_TYPES) as Array<keyof DiskUsageSections>).map((name) => {
    const [typeName, rowFields] = DU_ROW_TYPES[name];
    return { name, type: slice(rowGoType(typeName, rowFields)) };
  });
  const type: GoType = { k: 'struct', name: '*formatter.diskUsageContext', fields };
  return compile(source).execute(val(type, sections));
}
