import { rmSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import type { RegistryClient, RegistryClientOptions } from '../registry/client/client.js';
import type { ImageStore } from '../store/store.js';

/** What an operation can close. */
export interface Closable {
  close(): Promise<void> | void;
}

/** The things one operation opened; see withResources. */
export class Resources {
  private readonly closers: Array<() => Promise<void> | void> = [];

  /** Something the operation opened: closed when it ends. Returns it. */
  own<T extends Closable>(resource: T): T {
    this.closers.push(() => resource.close());
    return resource;
  }

  /** Work to do when the operation ends (discard a half-written archive). */
  defer(close: () => Promise<void> | void): void {
    this.closers.push(close);
  }

  /** For withResources: last opened first; each runs whatever the others did, and the last error thrown wins. */
  async closeAll(error: { value: unknown } | undefined): Promise<{ value: unknown } | undefined> {
    let failure = error;
    for (const close of this.closers.splice(0).reverse()) {
      try {
        await close();
      } catch (err) {
        failure = { value: err };
      }
    }
    return failure;
  }
}

/**
 * Runs an operation's body, then closes everything it registered, last opened first, however it
 * ended: the semantics of nested `finally` blocks, in one level. An error a close throws
 * replaces the one before it, as a throwing `finally` does.
 *
 * Why not `await using` (TypeScript lowers it for ES2022, and Node 20.4+ has
 * Symbol.asyncDispose): a close that fails after the body failed becomes a SuppressedError, which
 * Node 20 and 22 lack (TypeScript's helper makes one) and which carries no error code, so the CLI
 * would print "An error was suppressed during disposal." where it printed the error's own line
 * (report-error.ts); and Node 20.0–20.3 have no Symbol.asyncDispose at all.
 */
export async function withResources<T>(body: (scope: Resources) => Promise<T>): Promise<T> {
  const scope = new Resources();
  let result: T | undefined;
  let error: { value: unknown } | undefined;
  try {
    result = await body(scope);
  } catch (err) {
    error = { value: err };
  }
  const failure = await scope.closeAll(error);
  if (failure) throw failure.value;
  return result as T;
}

/** How an operation reaches registries: a client the caller lent (and closes), or options for one the operation makes and closes. */
export interface RegistryAccess {
  client?: RegistryClient;
  registry?: RegistryClientOptions;
}

/** The caller's client, or a new one the scope closes. Loaded when used: a copy between two directories never loads the HTTP client. */
export async function registryClient(access: RegistryAccess, scope: Resources): Promise<RegistryClient> {
  if (access.client) return access.client;
  const { RegistryClient } = await import('../registry/client/client.js');
  return scope.own(new RegistryClient(access.registry ?? {}));
}

/**
 * Scratch directories under the store root for one save or load (an archive is written and read
 * by seeking; the system's tmpdir is often a small tmpfs, and the store's file system holds the
 * images anyway): removed when the operation ends. When `signal` aborts they are removed at
 * once, synchronously, so a process that dies of Ctrl-C right after (the CLI re-raises the
 * signal: interrupt.ts dieOnSignal) leaves no 10 GB decompressed archive behind. One a SIGKILL
 * leaves, `system prune` removes: its name holds the dead pid.
 */
export class Scratch implements Closable {
  private readonly dirs: string[] = [];
  private readonly onAbort = (): void => {
    for (const dir of this.dirs) rmSync(dir, { recursive: true, force: true });
  };

  constructor(
    private readonly store: ImageStore,
    private readonly signal?: AbortSignal,
  ) {}

  async make(): Promise<string> {
    this.signal?.throwIfAborted();
    if (this.dirs.length === 0) this.signal?.addEventListener('abort', this.onAbort, { once: true });
    const dir = await this.store.scratch();
    this.dirs.push(dir);
    // Aborted while it was being made: the listener has run already.
    if (this.signal?.aborted) this.onAbort();
    this.signal?.throwIfAborted();
    return dir;
  }

  async close(): Promise<void> {
    this.signal?.removeEventListener('abort', this.onAbort);
    await Promise.all(this.dirs.map((dir) => rm(dir, { recursive: true, force: true })));
  }
}
