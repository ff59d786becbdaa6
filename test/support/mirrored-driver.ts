/**
 * A driver for the API suites (the memory or the S3 driver), with a copy of everything it is
 * asked to write kept on disk under `root`. Every read the server makes (getContent, reader,
 * stat, list, walk) is the primary driver's own; the disk copy only lets the suites' on-disk checks (blob data at
 * distribution's path, a link file removed) run unchanged: they then check that the store
 * asked this driver for distribution's layout too. Mutations are serialised, so that the copy
 * sees them in the order the memory did.
 */
import type { FileInfo, FileWriter, MoveOptions, PutOptions, StorageDriver } from '../../src/storage/driver.js';
import { FilesystemDriver } from '../../src/storage/fs/driver.js';
import { MemoryDriver } from '../../src/storage/memory/driver.js';

export class MirroredDriver implements StorageDriver {
  readonly name: string;
  readonly movesKeepTime: boolean;
  readonly touchCopies: boolean;
  private readonly disk: FilesystemDriver;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    root: string,
    private readonly memory: StorageDriver = new MemoryDriver(),
  ) {
    this.name = this.memory.name;
    this.movesKeepTime = this.memory.movesKeepTime;
    this.touchCopies = this.memory.touchCopies;
    this.disk = new FilesystemDriver(root);
  }

  getContent(path: string): Promise<Buffer> {
    return this.memory.getContent(path);
  }

  reader(path: string, options?: { offset?: number; end?: number }): ReturnType<StorageDriver['reader']> {
    return this.memory.reader(path, options);
  }

  stat(path: string): Promise<FileInfo> {
    return this.memory.stat(path);
  }

  get statFile(): StorageDriver['statFile'] {
    const primary = this.memory;
    return primary.statFile ? (path) => primary.statFile?.(path) ?? Promise.resolve(undefined) : undefined;
  }

  list(path: string): Promise<string[]> {
    return this.memory.list(path);
  }

  walk(path: string, visit: (info: FileInfo) => boolean | undefined | Promise<boolean | undefined>, options?: { temporary?: boolean }): Promise<void> {
    return this.memory.walk(path, visit, options);
  }

  putContent(path: string, content: Uint8Array, options?: PutOptions): Promise<void> {
    return this.serial(async () => {
      await this.memory.putContent(path, content, options);
      await this.disk.putContent(path, content, options);
    });
  }

  writer(path: string, append: boolean): Promise<FileWriter> {
    return this.serial(async () => {
      const memory = await this.memory.writer(path, append);
      return new MirroredWriter(memory, await this.disk.writer(path, append));
    });
  }

  move(source: string, destination: string, options?: MoveOptions): Promise<void> {
    return this.serial(async () => {
      await this.memory.move(source, destination, options);
      await this.disk.move(source, destination, options);
    });
  }

  delete(path: string): Promise<void> {
    return this.serial(async () => {
      await this.memory.delete(path);
      await this.disk.delete(path);
    });
  }

  touch(path: string): Promise<boolean> {
    return this.serial(async () => {
      const touched = await this.memory.touch(path);
      await this.disk.touch(path);
      return touched;
    });
  }

  removeEmptyDirectory(path: string): Promise<boolean> {
    return this.serial(async () => {
      await this.memory.removeEmptyDirectory(path);
      return this.disk.removeEmptyDirectory(path);
    });
  }

  private serial<T>(action: () => Promise<T>): Promise<T> {
    const run = this.queue.then(action, action);
    this.queue = run.catch(() => undefined);
    return run;
  }
}

/** The primary driver's writer, its bytes copied to the disk writer as they pass. */
class MirroredWriter implements FileWriter {
  constructor(
    private readonly memory: FileWriter,
    private readonly disk: FileWriter,
  ) {}

  get size(): number {
    return this.memory.size;
  }

  async write(source: Uint8Array | AsyncIterable<Uint8Array>): Promise<number> {
    if (source instanceof Uint8Array) {
      const written = await this.memory.write(source);
      await this.disk.write(source);
      return written;
    }
    const disk = this.disk;
    const chunks: AsyncIterable<Uint8Array> = source;
    async function* copied(): AsyncGenerator<Uint8Array> {
      for await (const chunk of chunks) {
        await disk.write(chunk);
        yield chunk;
      }
    }
    return this.memory.write(copied());
  }

  async commit(): Promise<void> {
    await this.memory.commit();
    await this.disk.commit();
  }

  async close(): Promise<void> {
    await this.memory.close();
    await this.disk.close();
  }

  async cancel(): Promise<void> {
    await this.memory.cancel();
    await this.disk.cancel();
  }
}
