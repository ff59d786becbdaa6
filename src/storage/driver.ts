import type { Readable } from 'node:stream';

/**
 * The storage seam, modelled on distribution's StorageDriver (registry/storage/driver).
 *
 * Paths are driver-relative, absolute-looking strings: `/docker/registry/v2/blobs/...`.
 * A full disk (ENOSPC, EDQUOT) is STORAGE_FULL (storage/errors.ts), whatever method hits it.
 * Every component matches [A-Za-z0-9._-]+ and is neither `.` nor `..`; drivers refuse anything
 * else with PATH_INVALID before touching a backend, so no caller can escape the root.
 * A missing path is PATH_NOT_FOUND. Drivers know nothing of images.
 */
export interface StorageDriver {
  readonly name: string;

  /**
   * Whether a moved file keeps its modification time (a rename). False on an object store,
   * where a move is a copy, and the copy's time is the move's.
   */
  readonly movesKeepTime: boolean;

  /**
   * Whether `touch` rewrites the file (an object store's copy onto itself), costing as much as
   * the file is large. The store then leaves no evidence of use (store/quarantine.ts useFile):
   * a touch per blob read would copy every blob pulled; and without that evidence garbage
   * collection cannot run safely there, so it refuses (gc/collect.ts).
   */
  readonly touchCopies: boolean;

  /** The whole content of a small file (links, manifests). */
  getContent(path: string): Promise<Buffer>;

  /**
   * Replaces a small file atomically and durably: readers see the old content or the new,
   * never a mix, and once resolved the content survives a crash. See PutOptions for a secret
   * (owner-only) file and for creating a file only if it is absent.
   */
  putContent(path: string, content: Uint8Array, options?: PutOptions): Promise<void>;

  /** Streams a file from `offset` (default 0) up to and including `end` (default: to the end). */
  reader(path: string, options?: { offset?: number; end?: number }): Promise<Readable>;

  /**
   * Opens a file for writing. With `append`, writing continues at the end of what the file
   * holds (a resumed upload); without it, the file is truncated. Parents are created.
   */
  writer(path: string, append: boolean): Promise<FileWriter>;

  /** Size, modification time and kind; PATH_NOT_FOUND if absent. */
  stat(path: string): Promise<FileInfo>;

  /**
   * A file's info, or undefined when no file is there (a directory is none): what `stat` says
   * of a file in one request on an object store, where `stat` of a missing key must also ask
   * whether it is a prefix. Absent: callers use `stat`.
   */
  statFile?(path: string): Promise<FileInfo | undefined>;

  /** The full paths of a directory's direct children, sorted; PATH_NOT_FOUND if absent. */
  list(path: string): Promise<string[]>;

  /**
   * Moves a file, replacing the destination atomically; parents of the destination are created.
   * The source must already be durable (committed): a move never exposes unsynced bytes.
   * A directory moves whole and atomically too (its entries made durable first), but never
   * over a directory that holds anything: PATH_EXISTS then, and the source stays.
   */
  move(source: string, destination: string, options?: MoveOptions): Promise<void>;

  /** Deletes a file or a directory tree; PATH_NOT_FOUND if absent. */
  delete(path: string): Promise<void>;

  /**
   * Sets a file's modification time to now: the evidence that the file is in use, which
   * garbage collection reads (registry/gc/collect.ts). False when the file is absent. A
   * backend that refuses the change (a read-only mount) leaves the time as it was: nothing
   * is collected there either.
   */
  touch(path: string): Promise<boolean>;

  /**
   * Removes a directory only if it holds nothing (rmdir(2)); false when it holds something or
   * is absent. A writer creating an entry in it at the same moment either keeps it alive or
   * re-creates it (every write makes its parents), so this never loses a write.
   */
  removeEmptyDirectory(path: string): Promise<boolean>;

  /**
   * Visits every entry under `path` depth-first in lexical order (not `path` itself).
   * Returning `false` from `visit` for a directory skips its subtree.
   * PATH_NOT_FOUND if `path` is absent. With `temporary`, the driver's temporary entries
   * (TEMP_PREFIX), which list and walk otherwise hide, are visited too: for the sweep that
   * removes those a crash left behind.
   */
  walk(path: string, visit: (info: FileInfo) => boolean | undefined | Promise<boolean | undefined>, options?: { temporary?: boolean }): Promise<void>;

  /**
   * A URL a client can GET the file from without this process (a presigned object URL), as
   * distribution's RedirectURL; absent on drivers that have none (a filesystem). The URL is
   * made without a request: it does not say the file exists.
   */
  redirectUrl?(path: string): Promise<string>;
}

export interface PutOptions {
  /**
   * The content is a secret (the token issuer's private key): readable by the owner only where
   * the backend has owners (the filesystem driver: mode 0600, new parent directories 0700).
   */
  private?: boolean;
  /**
   * Create only: PATH_EXISTS when the path already holds a file, atomically with respect to
   * other writers (two servers starting at once on one root must not replace each other's key).
   */
  exclusive?: boolean;
}

export interface MoveOptions {
  /**
   * Default true: once resolved, the move survives a power loss (the directories are fsync'ed).
   * False where either outcome is safe after a crash: garbage collection's moves aside and back
   * (a file that is back at its name after a crash is simply not collected yet, and one still
   * aside is found by readers and moved back by the next run).
   */
  durable?: boolean;
}

export interface FileInfo {
  path: string;
  size: number;
  modTime: Date;
  isDirectory: boolean;
}

export interface FileWriter {
  /** Bytes in the file so far, including those present before an append. */
  readonly size: number;

  /**
   * Appends everything `source` yields, with backpressure; resolves with the bytes written by
   * this call. A driver may hold on to the chunks until commit (S3 gathers them into parts):
   * the caller must not reuse their memory.
   */
  write(source: Uint8Array | AsyncIterable<Uint8Array>): Promise<number>;

  /** Flushes, fsyncs and closes: once resolved, the content survives a crash. */
  commit(): Promise<void>;

  /** Closes without the durability guarantee; the content stays for a later append. */
  close(): Promise<void>;

  /** Closes and deletes the file. */
  cancel(): Promise<void>;
}
