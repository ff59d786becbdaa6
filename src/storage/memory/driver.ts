import { Readable } from 'node:stream';
import { StowageError } from '../../errors/error.js';
import type { FileInfo, FileWriter, MoveOptions, PutOptions, StorageDriver } from '../driver.js';
import { checkFilePath, checkPath, childPath, pathExists, pathNotFound, resolveRange, TEMP_PREFIX } from '../path.js';

const READ_CHUNK = 1 << 20;

/**
 * An inode: writers hold it, so a moved file keeps receiving their bytes as on a filesystem.
 * Bytes below `length` are never changed once written (appends go past it, and truncation or
 * replacement makes a new MemoryFile), so a view taken for a reader is a stable snapshot.
 */
class MemoryFile {
  buffer = Buffer.alloc(0);
  length = 0;
  modTime = new Date();

  get content(): Buffer {
    return this.buffer.subarray(0, this.length);
  }

  append(chunk: Uint8Array): void {
    const needed = this.length + chunk.length;
    if (needed > this.buffer.length) {
      // Doubling keeps a long streamed write linear instead of quadratic.
      const grown = Buffer.allocUnsafe(Math.max(needed, this.buffer.length * 2, 4096));
      this.buffer.copy(grown, 0, 0, this.length);
      this.buffer = grown;
    }
    this.buffer.set(chunk, this.length);
    this.length = needed;
    this.modTime = new Date();
  }
}

interface TreeNode {
  file?: MemoryFile;
  children: Map<string, TreeNode>;
}

/** Files in a Map; a directory exists while some file lies under it (distribution's inmemory driver). */
export class MemoryDriver implements StorageDriver {
  readonly name = 'inmemory';
  readonly movesKeepTime = true;
  readonly touchCopies: boolean = false;
  private readonly files = new Map<string, MemoryFile>();

  async getContent(path: string): Promise<Buffer> {
    checkPath(path);
    return Buffer.from(this.fileAt(path).content);
  }

  /** No owners here, so `private` changes nothing; `exclusive` is atomic: nothing awaits between the check and the set. */
  async putContent(path: string, content: Uint8Array, options: PutOptions = {}): Promise<void> {
    this.checkCreatable(checkFilePath(path));
    if (options.exclusive && this.files.has(path)) throw pathExists(path);
    const file = new MemoryFile();
    file.append(content);
    this.files.set(path, file);
  }

  async reader(path: string, options: { offset?: number; end?: number } = {}): Promise<Readable> {
    checkPath(path);
    const content = this.fileAt(path).content;
    const range = resolveRange(path, content.length, options);
    return Readable.from(range ? chunks(content.subarray(range.start, range.end + 1)) : [], { objectMode: false });
  }

  async writer(path: string, append: boolean): Promise<FileWriter> {
    this.checkCreatable(checkFilePath(path));
    let file = append ? this.files.get(path) : undefined;
    if (!file) {
      file = new MemoryFile();
      this.files.set(path, file);
    }
    return new MemoryWriter(this.files, path, file);
  }

  async stat(path: string): Promise<FileInfo> {
    checkPath(path);
    const file = this.files.get(path);
    if (file) return { path, size: file.length, modTime: file.modTime, isDirectory: false };
    const tree = this.treeAt(path);
    if (!tree) throw pathNotFound(path);
    return { path, size: 0, modTime: latestModTime(tree), isDirectory: true };
  }

  async list(path: string): Promise<string[]> {
    checkPath(path);
    const tree = this.treeAt(path);
    if (!tree) throw pathNotFound(path);
    return [...tree.children.keys()].sort().map((name) => childPath(path, name));
  }

  /** Memory has no durability to skip: `options` changes nothing here. */
  async move(source: string, destination: string, _options?: MoveOptions): Promise<void> {
    checkFilePath(source);
    checkFilePath(destination);
    const file = this.files.get(source);
    const moved = file ? [] : this.descendants(source);
    if (!file && moved.length === 0) throw pathNotFound(source);
    if (source === destination) return;
    if (file) {
      this.checkCreatable(destination);
      this.files.delete(source);
      this.files.set(destination, file);
      return;
    }
    // Like rename(2): a directory cannot go into itself or replace a directory that holds entries.
    if (destination.startsWith(`${source}/`)) throw new StowageError('INTERNAL', `cannot move directory ${source} into itself`);
    if (this.hasDescendants(destination)) throw pathExists(destination);
    this.checkCreatable(destination);
    for (const [path, entry] of moved) {
      this.files.delete(path);
      this.files.set(destination + path.slice(source.length), entry);
    }
  }

  async delete(path: string): Promise<void> {
    checkFilePath(path);
    if (this.files.delete(path)) return;
    const doomed = this.descendants(path);
    if (doomed.length === 0) throw pathNotFound(path);
    for (const [child] of doomed) this.files.delete(child);
  }

  async touch(path: string): Promise<boolean> {
    checkFilePath(path);
    const file = this.files.get(path);
    if (!file) return false;
    file.modTime = new Date();
    return true;
  }

  /** Directories exist here only while something lies under them: an empty one is already gone. */
  async removeEmptyDirectory(path: string): Promise<boolean> {
    checkFilePath(path);
    return false;
  }

  async walk(
    path: string,
    visit: (info: FileInfo) => boolean | undefined | Promise<boolean | undefined>,
    options: { temporary?: boolean } = {},
  ): Promise<void> {
    checkPath(path);
    if (this.files.has(path)) return;
    // Built once up front: the visit sees a snapshot, and each directory is not rescanned.
    const tree = this.treeAt(path, options.temporary === true);
    if (!tree) throw pathNotFound(path);
    await walkTree(path, tree, visit);
  }

  private fileAt(path: string): MemoryFile {
    const file = this.files.get(path);
    if (!file) throw pathNotFound(path);
    return file;
  }

  private descendants(dir: string): [string, MemoryFile][] {
    const prefix = dir === '/' ? '/' : `${dir}/`;
    return [...this.files].filter(([path]) => path.startsWith(prefix));
  }

  private hasDescendants(dir: string): boolean {
    const prefix = dir === '/' ? '/' : `${dir}/`;
    for (const path of this.files.keys()) if (path.startsWith(prefix)) return true;
    return false;
  }

  /** The directory tree under `dir`, or undefined when `dir` is not a directory. */
  private treeAt(dir: string, temporary = false): TreeNode | undefined {
    const prefix = dir === '/' ? '/' : `${dir}/`;
    const root: TreeNode = { children: new Map() };
    let found = dir === '/';
    for (const [path, file] of this.files) {
      if (!path.startsWith(prefix)) continue;
      found = true;
      const names = path.slice(prefix.length).split('/');
      // Hidden like the filesystem driver's in-flight temp files; their directories still show.
      const hidden = temporary ? -1 : names.findIndex((name) => name.startsWith(TEMP_PREFIX));
      let node = root;
      for (const name of hidden === -1 ? names : names.slice(0, hidden)) {
        let child = node.children.get(name);
        if (!child) {
          child = { children: new Map() };
          node.children.set(name, child);
        }
        node = child;
      }
      if (hidden === -1) node.file = file;
    }
    return found ? root : undefined;
  }

  /** Mirrors what a filesystem refuses: a file under a file, or a file over a directory. */
  private checkCreatable(path: string): void {
    for (let i = path.indexOf('/', 1); i !== -1; i = path.indexOf('/', i + 1)) {
      const ancestor = path.slice(0, i);
      if (this.files.has(ancestor)) throw new StowageError('INTERNAL', `not a directory: ${ancestor}`);
    }
    if (this.hasDescendants(path)) throw new StowageError('INTERNAL', `is a directory: ${path}`);
  }
}

class MemoryWriter implements FileWriter {
  private state: 'open' | 'writing' | 'closed' = 'open';

  constructor(
    private readonly files: Map<string, MemoryFile>,
    private readonly path: string,
    private readonly file: MemoryFile,
  ) {}

  get size(): number {
    return this.file.length;
  }

  async write(source: Uint8Array | AsyncIterable<Uint8Array>): Promise<number> {
    this.enter();
    try {
      if (source instanceof Uint8Array) {
        this.file.append(source);
        return source.length;
      }
      let written = 0;
      for await (const chunk of source) {
        if (this.state !== 'writing') throw new StowageError('INTERNAL', 'writer closed during a write');
        this.file.append(chunk);
        written += chunk.length;
      }
      return written;
    } finally {
      if (this.state === 'writing') this.state = 'open';
    }
  }

  async commit(): Promise<void> {
    this.enter();
    this.state = 'closed';
  }

  async close(): Promise<void> {
    this.state = 'closed';
  }

  async cancel(): Promise<void> {
    this.enter();
    this.state = 'closed';
    // Only our own inode: the path may since have been replaced by someone else's file.
    if (this.files.get(this.path) === this.file) this.files.delete(this.path);
  }

  private enter(): void {
    if (this.state === 'closed') throw new StowageError('INTERNAL', 'writer is already closed');
    if (this.state === 'writing') throw new StowageError('INTERNAL', 'writer is busy with another write');
    this.state = 'writing';
  }
}

function* chunks(content: Buffer): Generator<Buffer> {
  // Copies, so that a consumer scribbling on a chunk cannot corrupt the stored file.
  for (let start = 0; start < content.length; start += READ_CHUNK) {
    yield Buffer.from(content.subarray(start, start + READ_CHUNK));
  }
}

async function walkTree(path: string, tree: TreeNode, visit: (info: FileInfo) => boolean | undefined | Promise<boolean | undefined>): Promise<void> {
  for (const name of [...tree.children.keys()].sort()) {
    const node = tree.children.get(name);
    if (!node) continue;
    const child = childPath(path, name);
    if (node.file) {
      await visit({ path: child, size: node.file.length, modTime: node.file.modTime, isDirectory: false });
    } else if ((await visit({ path: child, size: 0, modTime: latestModTime(node), isDirectory: true })) !== false) {
      await walkTree(child, node, visit);
    }
  }
}

function latestModTime(tree: TreeNode): Date {
  let latest = 0;
  const stack = [tree];
  for (let node = stack.pop(); node; node = stack.pop()) {
    if (node.file) latest = Math.max(latest, node.file.modTime.getTime());
    stack.push(...node.children.values());
  }
  return new Date(latest);
}
