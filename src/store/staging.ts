import { randomBytes } from 'node:crypto';
import { link, mkdir, readdir, readFile, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable, Transform } from 'node:stream';
import { Digest, Digester } from '../digest/index.js';
import { errnoWords } from '../errors/errno-words.js';
import { StowageError } from '../errors/error.js';
import { streamToFileAtomic, syncDirectory, tempPathBeside, writeFileAtomic } from '../fs/durable.js';
import type { StoreLayout } from './layout.js';

/**
 * One operation's blobs until it commits. New blobs are written here (temp, fsync, rename);
 * blobs the store already has are hard-linked here ("pinned"), so a concurrent rmi that
 * deletes them from blobs/ cannot take them from under this operation. Committing renames
 * every staged file into blobs/ under the store lock, then images.json is written: a process
 * killed before the end of that leaves this directory behind, the mark by which the next start
 * of any verb finds and undoes what it left (recovery.ts).
 */
export class Staging {
  private constructor(
    private readonly layout: StoreLayout,
    readonly dir: string,
  ) {}

  static async create(layout: StoreLayout): Promise<Staging> {
    const dir = join(layout.stagingDir, `${process.pid}-${randomBytes(6).toString('hex')}`);
    await mkdir(dir, { recursive: true });
    return new Staging(layout, dir);
  }

  private file(digest: string): string {
    return join(this.dir, digest.replace(':', '-'));
  }

  /** True when the blob is staged or the store has it (then it is pinned here). */
  async hold(digest: string, size: number): Promise<boolean> {
    if (await hasSize(this.file(digest), size)) return true;
    try {
      await link(this.layout.blob(digest), this.file(digest));
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') return false;
      if (code !== 'EEXIST') throw err;
    }
    return hasSize(this.file(digest), size);
  }

  /**
   * Writes a blob, verifying it unless `stream` already verifies this digest (the copier's
   * Digester). `observers` are pass-throughs that see the bytes on the way (a layer's size meter).
   */
  async write(digest: string, size: number, stream: Readable, observers: Transform[] = []): Promise<void> {
    const expected = Digest.parse(digest);
    const checks = stream instanceof Digester && stream.verifies(expected, size) ? [] : [new Digester({ expected, expectedSize: size })];
    const path = this.file(digest);
    await streamToFileAtomic(stream, [...checks, ...observers], tempPathBeside(path), path).catch((err: unknown) => {
      throw fullDiskAt(err, path);
    });
  }

  async writeBytes(digest: Digest, bytes: Buffer): Promise<void> {
    const path = this.file(digest.toString());
    await writeFileAtomic(path, bytes).catch((err: unknown) => {
      throw fullDiskAt(err, path);
    });
  }

  async readBytes(digest: string): Promise<Buffer> {
    return readFile(this.file(digest));
  }

  /** Moves every staged blob into blobs/. Call under the store lock. */
  async commit(): Promise<void> {
    const touched = new Set<string>();
    for (const name of await readdir(this.dir)) {
      if (name.startsWith('.')) continue;
      const digest = name.replace('-', ':');
      const target = this.layout.blob(digest);
      const dir = join(this.layout.blobsDir, digest.slice(0, digest.indexOf(':')));
      if (!touched.has(dir)) {
        await mkdir(dir, { recursive: true });
        touched.add(dir);
      }
      await rename(join(this.dir, name), target);
    }
    for (const dir of touched) await syncDirectory(dir);
  }

  async discard(): Promise<void> {
    await rm(this.dir, { recursive: true, force: true });
  }
}

/**
 * A full disk (ENOSPC) or a used-up quota (EDQUOT) as one line naming the file: write(2) fails
 * with no path, so Node's message is only "ENOSPC: no space left on device, write". A
 * StowageError, so the copier does not try the blob again (it would fill the disk again), and
 * its message survives the copier's "blob <digest>: …" prefix.
 */
export function fullDiskAt(err: unknown, path: string): unknown {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  if (code !== 'ENOSPC' && code !== 'EDQUOT') return err;
  return new StowageError('INTERNAL', `${errnoWords(code)} writing ${path}`, { errno: code, path });
}

async function hasSize(path: string, size: number): Promise<boolean> {
  try {
    return (await stat(path)).size === size;
  } catch {
    return false;
  }
}

/**
 * Whether the process that named a directory after its pid is gone (then the directory is a
 * leftover of a kill, safe to remove). A name without a pid is an older version's: stale too.
 */
export function ownerGone(pid: number): boolean {
  // No system hands out pids beyond 2^22 (Linux's PID_MAX_LIMIT; macOS stops at 99999).
  if (!Number.isInteger(pid) || pid <= 0 || pid > 4_194_304) return true;
  try {
    process.kill(pid, 0);
    return false;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

/** `.tmp-<pid>-<random>`: a layer being unpacked (unpack-layers.ts), outside the lock. */
export const LAYER_TEMP_PREFIX = '.tmp-';

export function layerTempName(): string {
  return `${LAYER_TEMP_PREFIX}${process.pid}-${randomBytes(6).toString('hex')}`;
}

/** Whether a dot-name in layers/ is an unpack whose process is gone. Other dot-names are not ours. */
export function isStaleLayerTemp(name: string): boolean {
  if (!name.startsWith(LAYER_TEMP_PREFIX)) return false;
  return ownerGone(Number(/^\.tmp-(\d+)-/.exec(name)?.[1]));
}

/**
 * Scratch space for one save or load under the store root (`stowage/tmp/<pid>-<random>`): on
 * the store's filesystem, which holds images anyway, not in a tmpfs that may be smaller than one.
 */
export async function createScratch(layout: StoreLayout): Promise<string> {
  const dir = join(layout.tmpDir, `${process.pid}-${randomBytes(6).toString('hex')}`);
  await mkdir(dir, { recursive: true });
  return dir;
}

/**
 * What killed processes left behind, safe to remove: their staging areas, their scratch
 * directories (save, load) and their half-unpacked layers.
 */
export async function staleStaging(layout: StoreLayout): Promise<string[]> {
  const byPid = async (dir: string): Promise<string[]> =>
    (await readdir(dir).catch(() => [] as string[])).filter((name) => ownerGone(Number(name.split('-')[0]))).map((name) => join(dir, name));
  const layers = (await readdir(layout.layersDir).catch(() => [] as string[])).filter(isStaleLayerTemp).map((name) => join(layout.layersDir, name));
  return [...(await byPid(layout.stagingDir)), ...(await byPid(layout.tmpDir)), ...layers];
}
