/**
 * A filesystem driver that lets a test stop garbage collection at an exact moment: before or
 * after a chosen move or delete, until the test releases it.
 */
import type { FileInfo, FileWriter, MoveOptions, PutOptions, StorageDriver } from '../../src/storage/driver.js';
import { FilesystemDriver } from '../../src/storage/fs/driver.js';

export type Hook = (operation: 'move' | 'delete', when: 'before' | 'after', paths: string[]) => Promise<void> | void;

export class HookedDriver implements StorageDriver {
  readonly name = 'filesystem';
  readonly movesKeepTime = true;
  readonly touchCopies = false;
  private readonly inner: FilesystemDriver;
  hook: Hook = () => undefined;

  constructor(root: string) {
    this.inner = new FilesystemDriver(root);
  }

  getContent(path: string): Promise<Buffer> {
    return this.inner.getContent(path);
  }
  putContent(path: string, content: Uint8Array, options?: PutOptions): Promise<void> {
    return this.inner.putContent(path, content, options);
  }
  reader(path: string, options?: { offset?: number; end?: number }): ReturnType<StorageDriver['reader']> {
    return this.inner.reader(path, options);
  }
  writer(path: string, append: boolean): Promise<FileWriter> {
    return this.inner.writer(path, append);
  }
  stat(path: string): Promise<FileInfo> {
    return this.inner.stat(path);
  }
  list(path: string): Promise<string[]> {
    return this.inner.list(path);
  }
  walk(path: string, visit: (info: FileInfo) => boolean | undefined | Promise<boolean | undefined>, options?: { temporary?: boolean }): Promise<void> {
    return this.inner.walk(path, visit, options);
  }
  touch(path: string): Promise<boolean> {
    return this.inner.touch(path);
  }
  removeEmptyDirectory(path: string): Promise<boolean> {
    return this.inner.removeEmptyDirectory(path);
  }
  async move(source: string, destination: string, options?: MoveOptions): Promise<void> {
    await this.hook('move', 'before', [source, destination]);
    await this.inner.move(source, destination, options);
    await this.hook('move', 'after', [source, destination]);
  }
  async delete(path: string): Promise<void> {
    await this.hook('delete', 'before', [path]);
    await this.inner.delete(path);
    await this.hook('delete', 'after', [path]);
  }
}
