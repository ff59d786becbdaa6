import { accessSync, constants, statSync } from 'node:fs';
import { dirname, resolve, sep } from 'node:path';

/**
 * A file operation's failure (Node's system errors: `ENOTDIR: not a directory, mkdir '/x/stowage'`)
 * in words that name the cause and the path the user gave: `--root /x: not a directory (it is a
 * file)`, `load -i /x: is a directory, expected an archive file`. The CLI's one error path
 * (cli/report-error.ts) uses it; the table is here so every verb says the same thing.
 */

/** A path the user named, and how: what an error under it is reported as. */
export interface NamedPath {
  /** How the user gave it: `--root /x`, `STOWAGE_ROOT=/x`, `load -i x.tar`. */
  label: string;
  /** What it is, for a read-only file system: `the store root`. */
  noun?: string;
  /** What it should have been, for EISDIR: `an archive file`. */
  expected?: string;
}

// The CLI runs one verb per process, and an errno error raised deep in the store or a transport
// does not know which flag named its path: the verb records its paths here once, up front.
const named = new Map<string, NamedPath>();

export function namePath(path: string, how: NamedPath): void {
  named.set(resolve(path), how);
}

/** Forgets every named path (tests run several verbs in one process). */
export function forgetNamedPaths(): void {
  named.clear();
}

export function isSystemError(err: unknown): err is NodeJS.ErrnoException {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  return err instanceof Error && typeof code === 'string' && /^E[A-Z0-9]+$/.test(code) && typeof (err as NodeJS.ErrnoException).syscall === 'string';
}

/** An error shaped as Node's own system errors, for a fact found without one (a directory opened as a file). */
export function systemError(code: string, syscall: string, path: string): NodeJS.ErrnoException {
  return Object.assign(new Error(`${code}: ${syscall} '${path}'`), { code, syscall, path });
}

const WORDS: Record<string, string> = {
  ENOENT: 'does not exist',
  EACCES: 'permission denied',
  EPERM: 'permission denied (operation not permitted)',
  EROFS: 'read-only file system',
  ENOSPC: 'no space left on device',
  EDQUOT: 'disk quota exceeded',
  EEXIST: 'already exists',
  ENOTEMPTY: 'directory is not empty',
  ELOOP: 'too many levels of symbolic links',
  ENAMETOOLONG: 'file name too long',
  EMFILE: 'too many open files',
  ENFILE: 'too many open files in the system',
  EXDEV: 'cannot be moved across file systems',
  EBUSY: 'device or resource busy',
  EIO: 'input/output error',
  EFBIG: 'file too large',
  ETXTBSY: 'text file busy',
};

/** The words for an errno code ("no space left on device" for ENOSPC), if the table has them. */
export function errnoWords(code: string): string | undefined {
  return Object.hasOwn(WORDS, code) ? WORDS[code] : undefined;
}

/** One line for a system error from a file operation, or undefined for anything else (the caller uses its message). */
export function errnoMessage(err: unknown): string | undefined {
  if (!isSystemError(err)) return undefined;
  let code = err.code as string;
  if (code !== 'ENOTDIR' && code !== 'EISDIR' && WORDS[code] === undefined) return undefined;
  // rename(temp, target) fails on the target for these; the temp name means nothing to the user.
  const dest = (err as { dest?: string }).dest;
  const raw = dest !== undefined && ['EISDIR', 'EEXIST', 'ENOTEMPTY', 'ENOTDIR'].includes(code) ? dest : err.path;
  if (raw === undefined) return `${err.syscall}: ${code === 'EISDIR' ? 'is a directory' : code === 'ENOTDIR' ? 'not a directory' : WORDS[code]}`;
  const path = resolve(raw);

  let file: string | undefined;
  if (code === 'ENOTDIR' || code === 'ENOENT') {
    file = fileInTheWay(path);
    if (file !== undefined) code = 'ENOTDIR';
    // Node's recursive mkdir reports ENOENT where the file system is read-only.
    else if (code === 'ENOENT' && err.syscall === 'mkdir' && isReadOnly(path)) code = 'EROFS';
  }

  const context = contextOf(path);
  const subject = context?.label ?? path;
  const where = context !== undefined && context.path !== path ? ` (${path})` : '';
  if (code === 'ENOTDIR') {
    const self = context?.path ?? path;
    if (file === undefined) return `${subject}: not a directory${where}`;
    return `${subject}: not a directory (${file === self ? 'it' : file} is a file)`;
  }
  if (code === 'EISDIR') return `${subject}: is a directory${context?.expected ? `, expected ${context.expected}` : ''}${where}`;
  if (code === 'EROFS' && context?.noun) return `${subject}: ${context.noun} is on a read-only file system${where}`;
  return `${subject}: ${WORDS[code]}${where}`;
}

/** The named path `path` is, is under, or is an ancestor of (the longest such). */
function contextOf(path: string): (NamedPath & { path: string }) | undefined {
  let best: (NamedPath & { path: string }) | undefined;
  for (const [candidate, how] of named) {
    const related = path === candidate || path.startsWith(candidate + sep) || candidate.startsWith(path + sep);
    if (related && (best === undefined || candidate.length > best.path.length)) best = { ...how, path: candidate };
  }
  return best;
}

/** The first existing component of `path`, from the top, that is not a directory. */
function fileInTheWay(path: string): string | undefined {
  const parts: string[] = [];
  for (let p = path; ; p = dirname(p)) {
    parts.unshift(p);
    if (dirname(p) === p) break;
  }
  for (const part of parts) {
    try {
      if (!statSync(part).isDirectory()) return part;
    } catch {
      return undefined;
    }
  }
  return undefined;
}

/** Whether the nearest existing ancestor of `path` is on a read-only file system (access(2) says EROFS). */
function isReadOnly(path: string): boolean {
  for (let p = path; ; p = dirname(p)) {
    try {
      accessSync(p, constants.W_OK);
      return false;
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'EROFS') return true;
      if (code !== 'ENOENT') return false;
    }
    if (dirname(p) === p) return false;
  }
}
