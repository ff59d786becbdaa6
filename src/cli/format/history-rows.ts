import type { HistoryEntry } from '../../oci/config.js';
import type { ImageRecord } from '../../store/types.js';
import { ellipsis, truncateId } from './table.js';
import { createdSince, humanSize } from './units.js';

/**
 * `stowage history` rows, as docker's historyContext (cli/command/formatter/history.go) over
 * what the daemon returns (moby image_history.go): the config's history newest first, each
 * non-empty entry matched in order to the next layer, the top row carrying the image ID and
 * the rest `<missing>` (their intermediate images were never pulled). SIZE is the layer's
 * unpacked size, as docker's; `{{.ContentSize}}` is its blob as stored (compressed, as pulled).
 */

export const HISTORY_TABLE = '{{.ID}}\t{{.CreatedSince}}\t{{.CreatedBy}}\t{{.Size}}\t{{.Comment}}';
export const HISTORY_TABLE_NOT_HUMAN = '{{.ID}}\t{{.CreatedAt}}\t{{.CreatedBy}}\t{{.Size}}\t{{.Comment}}';

export const HISTORY_HEADERS: Record<string, string> = {
  ID: 'IMAGE',
  CreatedSince: 'CREATED',
  CreatedAt: 'CREATED AT',
  CreatedBy: 'CREATED BY',
  Size: 'SIZE',
  Comment: 'COMMENT',
  ContentSize: 'CONTENT SIZE',
};

export interface HistoryRowOptions {
  truncate: boolean;
  human: boolean;
  now: number;
}

export type HistoryRow = Record<'Comment' | 'CreatedAt' | 'CreatedBy' | 'CreatedSince' | 'ID' | 'Size', string>;

export function historyRows(image: ImageRecord, history: readonly HistoryEntry[], options: HistoryRowOptions): HistoryRow[] {
  let layer = 0;
  const oldestFirst = history.map((entry) => {
    if (entry.empty_layer) return { entry, size: 0, stored: 0 };
    const i = layer++;
    return { entry, size: image.layerSizes[i] ?? 0, stored: image.layers[i]?.size ?? 0 };
  });
  return oldestFirst.reverse().map(({ entry, size, stored }, index) => historyRow(index === 0 ? image.id : '<missing>', entry, size, stored, options));
}

function historyRow(id: string, entry: HistoryEntry, size: number, stored: number, options: HistoryRowOptions): HistoryRow {
  const createdAt = rfc3339(entry.created);
  const createdBy = (entry.created_by ?? '').replace(/\t/g, ' ');
  const row: HistoryRow = {
    Comment: entry.comment ?? '',
    CreatedAt: createdAt,
    CreatedBy: options.truncate ? ellipsis(createdBy, 45) : createdBy,
    CreatedSince: options.human ? createdSince(entry.created, options.now) : createdAt,
    ID: options.truncate ? truncateId(id) : id,
    Size: options.human ? humanSize(size) : String(size),
  };
  // Not enumerable, so `{{json .}}` prints docker's fields only.
  return Object.defineProperty(row, 'ContentSize', { value: options.human ? humanSize(stored) : String(stored), enumerable: false });
}

/** Go's time.RFC3339 of whole seconds, in UTC: "2024-01-02T15:04:05Z"; "N/A" when unknown. */
function rfc3339(iso: string | undefined): string {
  const ms = iso === undefined ? Number.NaN : Date.parse(iso);
  if (Number.isNaN(ms)) return 'N/A';
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace(/\.\d+Z$/, 'Z');
}
