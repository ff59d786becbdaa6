import { remove } from '../ops/remove.js';
import type { RemoveEvent } from '../store/types.js';
import { openStore } from './store-access.js';
import { print } from './verb-output.js';
import { reportError } from './report-error.js';

/**
 * `stowage rmi IMAGE...` / `image rm`: docker's runRemove (cli/command/image/remove.go). Each
 * image in turn; its `Untagged:` and `Deleted:` lines as they come; a failure does not stop
 * the next image. At the end each failure is an error line and the exit status is 1, except
 * that with -f images that were not there are reported but do not fail the command.
 */
export async function rmi(names: string[], options: Record<string, unknown>): Promise<void> {
  const store = await openStore(options);
  const result = await remove(names, { store, force: options.force === true, onProgress: (event) => print(removeLines(event.events)) });
  for (const { error } of result.failures) reportError(error);
  if (result.failed) process.exitCode = 1;
}

/** docker's lines: "Untagged: alpine:latest", "Deleted: sha256:…". */
export function removeLines(events: readonly RemoveEvent[]): string {
  return events.map((e) => ('untagged' in e ? `Untagged: ${e.untagged}\n` : `Deleted: ${e.deleted}\n`)).join('');
}
