import { prune } from '../ops/prune.js';
import { confirm } from './confirm.js';
import { openStore } from './store-access.js';
import { print } from './verb-output.js';
import { deletedImagesSection, totalReclaimed } from './prune.js';

export function systemPruneWarning(all: boolean): string {
  return [
    'WARNING! This will remove:',
    all ? '  - all images, tagged or not' : '  - all dangling images',
    '  - blobs and unpacked layers no remaining image uses',
    '  - staging areas left by interrupted pulls',
    '',
    'Are you sure you want to continue?',
  ].join('\n');
}

/**
 * `stowage system prune [-a] [-f]`: docker's system prune for a store without containers,
 * networks or build cache: the image prune plus the store's stale staging areas. Output as
 * docker's: "Deleted Images:" and one "Total reclaimed space" line.
 */
export async function systemPrune(options: Record<string, unknown>): Promise<void> {
  const all = options.all === true;
  if (!(await confirm(systemPruneWarning(all), options.force === true))) return;
  const result = await prune({ store: await openStore(options), all, system: true });
  print(`${deletedImagesSection(result.events)}${totalReclaimed(result.reclaimed)}`);
}
