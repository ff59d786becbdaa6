import { isStowageError } from '../errors/error.js';
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
  const force = options.force === true;
  const store = await openStore(options);
  const failures: unknown[] = [];
  for (const name of names) {
    try {
      print(removeLines(await store.remove(name, { force })));
    } catch (err) {
      failures.push(err);
    }
  }
  for (const err of failures) reportError(err);
  const fatal = failures.some((err) => !isStowageError(err, 'MANIFEST_UNKNOWN'));
  if (failures.length > 0 && (!force || fatal)) process.exitCode = 1;
}

/** docker's lines: "Untagged: alpine:latest", "Deleted: sha256:…". */
export function removeLines(events: readonly RemoveEvent[]): string {
  return events.map((e) => ('untagged' in e ? `Untagged: ${e.untagged}\n` : `Deleted: ${e.deleted}\n`)).join('');
}
