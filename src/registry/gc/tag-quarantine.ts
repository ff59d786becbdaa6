import { isStowageError } from '../../errors/error.js';
import type { StorageDriver } from '../../storage/driver.js';
import { deleteIfExists } from '../store/links.js';
import { manifestsPath, tagCurrentLinkPath, tagPath } from '../store/paths.js';
import { QUARANTINE_PREFIX, statIfExists, TOUCH_INTERVAL_MS } from '../store/quarantine.js';
import { type UseLedger, useLedgerOf } from '../store/use-ledger.js';
import type { Retired } from './retire.js';

/**
 * A tag retention removes is first moved here, beside `tags/` rather than in it: distribution
 * lists `tags/` as it is, and would show the hidden name as a tag.
 */
function tagQuarantinePath(name: string, tag: string): string {
  return `${manifestsPath(name)}/${QUARANTINE_PREFIX}tag-${tag}`;
}

/**
 * Removes a tag retention chose, unless it moved since it was read (`pushedAt`): a client
 * pushing the same tag now wins. Moved aside first, then judged by its `current/link`, so a
 * push landing between the judgement and the removal writes a new `tags/<tag>` and is kept.
 */
export async function retireTag(driver: StorageDriver, name: string, tag: string, pushedAt: Date, runStarted: number): Promise<Retired> {
  const ledger = useLedgerOf(driver);
  if (ledger) return retireRecordedTag(driver, ledger, name, tag, pushedAt, runStarted);
  const quarantine = tagQuarantinePath(name, tag);
  try {
    await driver.move(tagPath(name, tag), quarantine);
  } catch (err) {
    if (isStowageError(err, 'PATH_NOT_FOUND')) return 'gone';
    throw err;
  }
  const current = await statIfExists(driver, `${quarantine}/current/link`);
  if (!current || current.modTime.getTime() > pushedAt.getTime()) {
    await restore(driver, quarantine, tagPath(name, tag));
    return 'kept';
  }
  return (await deleteIfExists(driver, quarantine)) ? 'removed' : 'kept';
}

/** Moves back the tags an interrupted run left in quarantine in this repository. */
export async function recoverTags(driver: StorageDriver, name: string): Promise<void> {
  const prefix = `${manifestsPath(name)}/${QUARANTINE_PREFIX}tag-`;
  const found: string[] = [];
  try {
    await driver.walk(
      manifestsPath(name),
      (info) => {
        if (info.path.startsWith(prefix)) found.push(info.path);
        return false;
      },
      { temporary: true },
    );
  } catch (err) {
    if (isStowageError(err, 'PATH_NOT_FOUND')) return;
    throw err;
  }
  for (const path of found) await restore(driver, path, tagPath(name, path.slice(prefix.length)));
}

/** Back to `tags/<tag>`; when a push made the tag anew meanwhile, the newer one stays. */
async function restore(driver: StorageDriver, quarantine: string, path: string): Promise<void> {
  try {
    await driver.move(quarantine, path);
  } catch (err) {
    if (!isStowageError(err, 'PATH_EXISTS')) throw err;
    await deleteIfExists(driver, quarantine);
  }
}

/**
 * retireTag where uses are rows (store/use-ledger.ts): judged and removed holding the row of
 * its `current/link`, which a push of the tag records before it writes. Kept when written since
 * the scan read it, or when a push recorded since the run began may still be writing it.
 */
async function retireRecordedTag(driver: StorageDriver, ledger: UseLedger, name: string, tag: string, pushedAt: Date, runStarted: number): Promise<Retired> {
  const current = tagCurrentLinkPath(name, tag);
  return ledger.exclusive<Retired>(current, async (lastUse) => {
    const info = await statIfExists(driver, current);
    if (!info) return { removed: true, value: 'gone' };
    if (info.modTime.getTime() > pushedAt.getTime() || (lastUse ?? 0) >= runStarted - TOUCH_INTERVAL_MS) return { removed: false, value: 'kept' };
    return { removed: true, value: (await deleteIfExists(driver, tagPath(name, tag))) ? 'removed' : 'gone' };
  });
}
