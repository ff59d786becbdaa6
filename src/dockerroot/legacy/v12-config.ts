import type { ImageConfig } from '../../oci/config.js';
import { goString, marshalMap, rawMembers } from './go-json.js';

/**
 * The image config docker 1.10 made of a legacy image when it migrated a root
 * (migrate/v1 migrateImage, image/v1 MakeConfigFromV1Config and HistoryFromConfig): the top
 * image's v1 JSON without the fields that only made sense in the graph (id, parent, Size,
 * parent_id, layer_id, throwaway), plus rootfs (one diff ID per legacy layer, root first) and
 * history (one entry per legacy layer, none marked empty, as the migration wrote it).
 *
 * Written with Go's encoding so the bytes, and so the IMAGE ID, are those the migration would
 * have stored. Not reproduced: for images written by docker before 1.8.3 the migration first
 * round-tripped the JSON through its V1Image struct, dropping unknown fields; those IDs differ.
 */

const GRAPH_ONLY_FIELDS = ['id', 'parent', 'Size', 'parent_id', 'layer_id', 'throwaway'];

export interface LegacyLayerJson {
  /** The graph/<id>/json bytes. */
  bytes: Buffer;
  json: ImageConfig;
}

/** `chain` from the root ancestor to the image; `diffIds` one per entry of it. */
export function v12Config(chain: readonly LegacyLayerJson[], diffIds: readonly string[]): Buffer {
  const top = chain[chain.length - 1];
  if (top === undefined || chain.length !== diffIds.length) throw new RangeError('one diff ID per legacy layer is needed');
  const members = rawMembers(top.bytes.toString('utf8'));
  for (const field of GRAPH_ONLY_FIELDS) members.delete(field);
  members.set('rootfs', `{"type":"layers","diff_ids":[${diffIds.map(goString).join(',')}]}`);
  members.set('history', `[${chain.map((layer) => historyEntry(layer.json)).join(',')}]`);
  return Buffer.from(marshalMap(members));
}

/** image.History as Go marshals it: created always, the rest omitted when empty. */
function historyEntry(json: ImageConfig): string {
  const fields = [`"created":${goString(goTime(json.created))}`];
  const author = typeof json.author === 'string' ? json.author : '';
  const createdBy = commandLine(json.container_config?.Cmd);
  const comment = typeof json.comment === 'string' ? json.comment : '';
  if (author !== '') fields.push(`"author":${goString(author)}`);
  if (createdBy !== '') fields.push(`"created_by":${goString(createdBy)}`);
  if (comment !== '') fields.push(`"comment":${goString(comment)}`);
  return `{${fields.join(',')}}`;
}

/** container_config.Cmd joined by spaces; old images stored it as one string (strslice accepts both). */
function commandLine(cmd: unknown): string {
  if (typeof cmd === 'string') return cmd;
  if (Array.isArray(cmd)) return cmd.filter((part): part is string => typeof part === 'string').join(' ');
  return '';
}

/**
 * A time as Go's time.Time marshals after parsing it (RFC 3339 with nanoseconds): trailing
 * zeros of the fraction dropped, a zero offset written Z; a missing time is Go's zero time.
 */
export function goTime(value: unknown): string {
  if (typeof value !== 'string') return '0001-01-01T00:00:00Z';
  const match = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d{1,9}))?(Z|[+-]\d\d:\d\d)$/.exec(value);
  if (match === null) return value;
  const [, seconds, fraction = '', offset] = match;
  const trimmed = fraction.replace(/0+$/, '');
  const zone = offset === '+00:00' || offset === '-00:00' ? 'Z' : offset;
  return `${seconds}${trimmed === '' ? '' : `.${trimmed}`}${zone}`;
}
