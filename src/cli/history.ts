import { readConfigView } from './config-view.js';
import { parseFormat, renderRows } from './format/go-template.js';
import { HISTORY_HEADERS, HISTORY_TABLE, HISTORY_TABLE_NOT_HUMAN, historyRows } from './format/history-rows.js';
import { openStore } from './store-access.js';
import { optionalString, print } from './verb-output.js';

/**
 * `stowage history IMAGE` / `image history`: docker's (cli/command/image/history.go): -H/--human
 * (default true; --human=false prints RFC 3339 times and sizes in bytes), --no-trunc, -q,
 * --format.
 */
export async function history(name: string, options: Record<string, unknown>): Promise<void> {
  const store = await openStore(options);
  const image = await store.resolve(name);
  const config = await readConfigView(store, image);
  const human = options.human !== false;
  const rows = historyRows(image, config.history ?? [], { truncate: options.trunc !== false, human, now: Date.now() });
  const source = optionalString(options.format);
  const isDefault = source === undefined || source === '' || source === 'table';
  const table = options.quiet === true && isDefault ? undefined : human ? HISTORY_TABLE : HISTORY_TABLE_NOT_HUMAN;
  // docker: -q only replaces the default table, with the bare {{.ID}} template (no header).
  const format = table === undefined ? parseFormat('{{.ID}}', '') : parseFormat(source, table);
  print(renderRows(format, rows, HISTORY_HEADERS, '*formatter.historyContext'));
}
