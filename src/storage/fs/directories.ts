import { mkdir, readdir } from 'node:fs/promises';
import { isCode, syncDirectory } from './errno.js';

// A concurrent delete can remove a parent between our mkdir and the open/rename that needs it.
const PARENT_RACE_RETRIES = 3;

/**
 * Runs `action` after creating `dir`, again (a few times) when it fails with ENOENT: a
 * concurrent delete may remove `dir` between the mkdir and the action. The directory may even
 * be back by the time we look (another writer re-created it) while what we had put in it, a
 * temporary file, went with the delete: so any ENOENT is retried, not only a missing `dir`.
 * `mode` is that of the directories it creates (0700 for a secret's), not of existing ones.
 */
export async function withParents<T>(dir: string, action: () => Promise<T>, mode?: number): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      // Inside the retry: a recursive mkdir itself fails with ENOENT when a parent it just made is deleted.
      await mkdir(dir, { recursive: true, ...(mode === undefined ? {} : { mode }) });
      return await action();
    } catch (err) {
      // ENOTDIR too: Node's recursive mkdir reports it when a directory it found is removed under it.
      if (!isCode(err, 'ENOENT', 'ENOTDIR') || attempt >= PARENT_RACE_RETRIES) throw err;
    }
  }
}

/** fsyncs every directory of a (small) tree, deepest first: their entries survive a crash. */
export async function syncTree(dir: string): Promise<void> {
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    if (entry.isDirectory()) await syncTree(`${dir}/${entry.name}`);
  }
  await syncDirectory(dir);
}
