import { canRead, canWrite, listTransports, type AnyTransport } from './table.js';

/**
 * The transport table as text: the forms in help arguments, a help section, and the README's
 * Markdown table (test/unit/transport/table-text.test.ts checks the README holds it).
 */

type Use = 'source' | 'sink' | 'any';

function chosen(use: Use): AnyTransport[] {
  return listTransports().filter((t) => use === 'any' || (use === 'source' ? canRead(t) : canWrite(t)));
}

/** `docker://…, oci:DIR[:REF] or docker-root:[/ROOT:]IMAGE`: the forms a source (or sink) takes. */
export function transportForms(use: Use = 'any'): string {
  const forms = chosen(use).map((t) => t.syntax);
  return forms.length <= 1 ? (forms[0] ?? '') : `${forms.slice(0, -1).join(', ')} or ${forms[forms.length - 1] as string}`;
}

/** A help section, one transport a line: its form and what it is, code spans shown plain. */
export function transportHelp(use: Use = 'any'): string {
  const rows = chosen(use);
  const width = Math.max(...rows.map((t) => t.syntax.length));
  const lines = rows.map((t) => `  ${t.syntax.padEnd(width)}  ${t.description.replaceAll('`', '')}${canWrite(t) ? '' : ' (read only)'}`);
  return `\nTransports:\n${lines.join('\n')}\n`;
}

/** The README's table of transports, exactly (a `|` inside a cell escaped, as GitHub's tables need). */
export function transportMarkdown(): string {
  const cell = (text: string): string => text.replaceAll('|', '\\|');
  const mark = (ok: boolean): string => (ok ? 'yes' : 'no');
  const rows = listTransports().map((t) => `| \`${cell(t.syntax)}\` | ${mark(canRead(t))} | ${mark(canWrite(t))} | ${cell(t.description)} |`);
  return ['| name | read | write | what |', '|---|---|---|---|', ...rows].join('\n');
}
