import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { StowageError, isStowageError } from '../../errors/error.js';
import type { StorageDriver } from '../../storage/driver.js';
import { ROOT } from '../store/paths.js';

/**
 * One collection at a time per root, across processes: a `stowage serve`'s schedule, an admin
 * request and `stowage registry gc` beside it. Two collections at once would each be safe
 * (the protocol in collect.ts does not rely on being alone), but they would do the same work
 * twice and report each other's deletions. Beside the data, where distribution never looks.
 */
export const GC_LOCK_PATH = `${ROOT}/_stowage/gc.lock`;

/** A holder refreshes the lock's time this often... */
const HEARTBEAT_MS = 15_000;
/** ...so a lock whose time is older than this belongs to a process that died (on any host). */
const STALE_MS = 120_000;

interface LockContent {
  pid: number;
  host: string;
  nonce: string;
  startedAt: string;
}

/** Written when a run ends without finishing (an error, an abort); removed by the next run that finishes. */
export const GC_INTERRUPTED_PATH = `${ROOT}/_stowage/gc.interrupted`;

export interface GcLock {
  /**
   * Whether the previous run may have left things in quarantine: it died holding the lock, or
   * ended without finishing. Such a run looks for quarantined entries everywhere; otherwise
   * there are none (quarantine lives only inside a run) and the run skips the search.
   */
  recover: boolean;
  /** Releases the lock; `finished` false records that this run may have left a quarantine. */
  release(finished: boolean): Promise<void>;
}

/** Takes the root's GC lock or fails with GC_RUNNING; a lock left by a dead process is taken over. */
export async function acquireGcLock(driver: StorageDriver): Promise<GcLock> {
  const content: LockContent = { pid: process.pid, host: hostname(), nonce: randomBytes(8).toString('hex'), startedAt: new Date().toISOString() };
  const bytes = Buffer.from(JSON.stringify(content));
  let tookOver = false;
  for (let attempt = 0; ; attempt++) {
    try {
      await driver.putContent(GC_LOCK_PATH, bytes, { exclusive: true });
      break;
    } catch (err) {
      if (!isStowageError(err, 'PATH_EXISTS') || attempt > 0) throw err;
    }
    const holder = await readHolder(driver);
    if (holder && !holder.stale) {
      throw new StowageError(
        'GC_RUNNING',
        `another garbage collection is running on this root (process ${holder.content?.pid ?? '?'} on ${holder.content?.host ?? '?'}, since ${holder.content?.startedAt ?? '?'})`,
      );
    }
    // Dead holder: its lock goes, and the exclusive create decides between racing successors.
    tookOver = true;
    await driver.delete(GC_LOCK_PATH).catch(() => undefined);
  }
  const interrupted = await driver.stat(GC_INTERRUPTED_PATH).then(
    () => true,
    () => false,
  );
  const heartbeat = setInterval(() => void driver.touch(GC_LOCK_PATH).catch(() => undefined), HEARTBEAT_MS).unref();
  return {
    recover: tookOver || interrupted,
    async release(finished: boolean) {
      clearInterval(heartbeat);
      if (finished) await driver.delete(GC_INTERRUPTED_PATH).catch(() => undefined);
      else await driver.putContent(GC_INTERRUPTED_PATH, bytes).catch(() => undefined);
      const holder = await readHolder(driver);
      if (holder?.content?.nonce === content.nonce) await driver.delete(GC_LOCK_PATH).catch(() => undefined);
    },
  };
}

async function readHolder(driver: StorageDriver): Promise<{ content: LockContent | undefined; stale: boolean } | undefined> {
  let modTime: Date;
  let content: LockContent | undefined;
  try {
    modTime = (await driver.stat(GC_LOCK_PATH)).modTime;
    content = JSON.parse((await driver.getContent(GC_LOCK_PATH)).toString('utf8')) as LockContent;
  } catch (err) {
    if (isStowageError(err, 'PATH_NOT_FOUND')) return undefined;
    if (!(err instanceof SyntaxError)) throw err;
    return { content: undefined, stale: true };
  }
  const old = Date.now() - modTime.getTime() > STALE_MS;
  const dead = content.host === hostname() && !alive(content.pid);
  return { content, stale: old || dead };
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: it exists, as another user.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
