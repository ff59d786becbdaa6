import type { InfoDescription, InfoField } from '../catalog/catalog.js';
import { info as catalogInfo } from '../ops/info.js';
import { STORE_INFO } from '../store/catalog.js';
import { openStoreCatalog, type OpenCatalog } from './catalogs.js';
import { renderInfoFormat } from './format/go-template.js';
import { INT, INT64, STRING, STRINGS, type GoType, type StructType } from './format/template/values.js';
import { humanSizePrecise } from './format/units.js';
import { optionalString, print } from './verb-output.js';

/**
 * `stowage info` / `system info` and `stowage docker info`: `docker info`-style lines about a
 * catalog's store, or `--format json` / a template over its facts, as the catalog describes
 * them (CatalogInfo).
 */
export async function info(options: Record<string, unknown>, open: OpenCatalog = openStoreCatalog): Promise<void> {
  const { description, values } = await catalogInfo(await open(options));
  print(renderInfo(values, optionalString(options.format), description));
}

/** docker info's shape: "Key: value", details indented one space under their heading. */
export function renderInfo(values: object, format: string | undefined, description: InfoDescription = STORE_INFO): string {
  const formatted = renderInfoFormat(values, goType(description), format);
  if (formatted !== undefined) return formatted;
  const facts = values as Record<string, unknown>;
  return [...description.fields.flatMap((field) => infoLines(field, facts[field.name])), ''].join('\n');
}

function infoLines(field: InfoField, value: unknown): string[] {
  const prefix = field.indent === 1 ? ' ' : '';
  const heading = field.heading !== undefined ? [field.heading] : [];
  if (field.kind === 'lines') {
    const lines = value as readonly string[];
    return lines.length === 0 ? [] : [...heading, `${prefix}${field.label}: ${lines.length}`, ...lines.map((line) => `${prefix} ${line}`)];
  }
  const shown = field.kind === 'bytes' ? humanSizePrecise(value as number) : String(value);
  return [...heading, `${prefix}${field.label}: ${shown}`];
}

const KIND_TYPES: Record<InfoField['kind'], GoType> = { string: STRING, count: INT, bytes: INT64, lines: STRINGS };

/** The Go type templates see: `{{.Images}}` is an int, `{{.Foo}}` is "can't evaluate field Foo". */
function goType(description: InfoDescription): StructType {
  return { k: 'struct', name: description.type, fields: description.fields.map((field) => ({ name: field.name, type: KIND_TYPES[field.kind] })) };
}
