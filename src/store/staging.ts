import { randomBytes } from 'node:crypto';
import { link, mkdir, readdir, readFile, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { Digest, Digester } from '../digest/index.js';
import { streamToFileAtomic, syncDirectory, tempPathBeside, writeFileAtomic } from '../transport/atomic-file.js';
import type { StoreLayout } from './layout.js';

/**
 * One operation's blobs until it commits. New blobs are written here (temp, fsync, rename);
 * blobs the store already has are hard-linked here ("pinned"), so a concurrent rmi that
 * deletes them from blobs/ cannot take them from under this operation. Committing renames
 * every staged file into blobs/ under the store lock: each rename is atomic, and a process
 * killed before that leaves only this directory, which `system check --repair` removes.
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

  /** Writes a blob, verifying it unless `stream` already verifies this digest (the copier's Digester). */
  async write(digest: string, size: number, stream: Readable): Promise<void> {
    const expected = Digest.parse(digest);
    const checks = stream instanceof Digester && stream.verifies(expected, size) ? [] : [new Digester({ expected, expectedSize: size })];
    const path = this.file(digest);
    await streamToFileAtomic(stream, checks, tempPathBeside(path), path);
  }

  async writeBytes(digest: Digest, bytes: Buffer): Promise<void> {
    await writeFileAtomic(this.file(digest.toString()), bytes);
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

async function hasSize(path: string, size: number): Promise<boolean> {
  try {
    return (await stat(path)).size === size;
  } catch {
    return false;
  }
}

/** Staging directories whose process is gone: left by a kill, safe to remove. */
export async function staleStaging(layout: StoreLayout): Promise<string[]> {
  let names: string[];
  try {
    names = await readdir(layout.stagingDir);
  } catch {
    return [];
  }
  return names
    .filter((name) => {
      const pid = Number(name.split('-')[0]);
      if (!Number.isInteger(pid) || pid <= 0) return true;
      try {
        process.kill(pid, 0);
        return false;
      } catch (err) {
        return (err as NodeJS.ErrnoException).code === 'ESRCH';
      }
    })
    .map((name) => join(layout.stagingDir, name));
}
