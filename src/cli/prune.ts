import { prune } from '../ops/prune.js';
import type { RemoveEvent } from '../store/types.js';
import { confirm } from './confirm.js';
import { humanSizePrecise } from './format/units.js';
import { openStore } from './store-access.js';
import { print } from './verb-output.js';

export const DANGLING_WARNING = 'WARNING! This will remove all dangling images.\nAre you sure you want to continue?';
export const ALL_WARNING = 'WARNING! This will remove all images, tagged or not.\nAre you sure you want to continue?';

/**
 * `stowage image prune [-a] [-f]`: docker's (cli/command/image/prune.go): the warning and
 * [y/N] unless -f, then "Deleted Images:" with lowercase `untagged:`/`deleted:` lines, a blank
 * line, and "Total reclaimed space: …". An answer other than y changes nothing.
 */
export async function imagePrune(options: Record<string, unknown>): Promise<void> {
  const all = options.all === true;
  if (!(await confirm(all ? ALL_WARNING : DANGLING_WARNING, options.force === true))) return;
  const result = await prune({ store: await openStore(options), all });
  print(`${deletedImagesSection(result.events)}${totalReclaimed(result.reclaimed)}`);
}

/** docker prints the section (ending in its own newline) with Println: hence the blank line. */
export function deletedImagesSection(events: readonly RemoveEvent[]): string {
  if (events.length === 0) return '';
  const lines = events.map((e) => ('untagged' in e ? `untagged: ${e.untagged}\n` : `deleted: ${e.deleted}\n`));
  return `Deleted Images:\n${lines.join('')}\n`;
}

export function totalReclaimed(bytes: number): string {
  return `Total reclaimed space: ${humanSizePrecise(bytes)}\n`;
}
