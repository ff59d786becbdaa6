import { StowageError } from '../errors/error.js';

const COMPONENT = /^[A-Za-z0-9._-]+$/;

/**
 * Checks a driver path before any backend sees it (see StorageDriver). Returns the components.
 * This is the last line of defence against traversal: callers validate names first, but a
 * driver must never be the place where `..` or a NUL byte reaches the filesystem.
 */
export function checkPath(path: string): string[] {
  if (typeof path !== 'string' || !path.startsWith('/') || path.length > 4096) {
    throw new StowageError('PATH_INVALID', `invalid storage path: ${String(path).slice(0, 100)}`);
  }
  if (path === '/') return [];
  const components = path.slice(1).split('/');
  for (const component of components) {
    if (!COMPONENT.test(component) || component === '.' || component === '..') {
      throw new StowageError('PATH_INVALID', `invalid storage path: ${path.slice(0, 100)}`);
    }
  }
  return components;
}

export function pathNotFound(path: string): StowageError {
  return new StowageError('PATH_NOT_FOUND', `path not found: ${path}`, { path });
}

export function pathExists(path: string): StowageError {
  return new StowageError('PATH_EXISTS', `path exists: ${path}`, { path });
}

/** Temporary files drivers create beside their targets; list and walk never show them. */
export { TEMP_PREFIX } from '../fs/durable.js';

/** Mutating the root itself (deleting it, renaming onto it) is never meant. */
export function checkFilePath(path: string): string {
  if (checkPath(path).length === 0) throw new StowageError('PATH_INVALID', 'the root is not a file path');
  return path;
}

/** The inclusive byte range to read, or undefined for an empty read; RANGE_INVALID when impossible. */
export function resolveRange(path: string, size: number, options: { offset?: number; end?: number }): { start: number; end: number } | undefined {
  const start = options.offset ?? 0;
  const end = options.end;
  if (!Number.isSafeInteger(start) || start < 0 || start > size) {
    throw new StowageError('RANGE_INVALID', `offset ${start} is outside ${path} (${size} bytes)`);
  }
  if (end !== undefined && (!Number.isSafeInteger(end) || end < start - 1)) {
    throw new StowageError('RANGE_INVALID', `end ${end} is before offset ${start} in ${path}`);
  }
  const last = Math.min(end ?? size - 1, size - 1);
  return last < start ? undefined : { start, end: last };
}

export function childPath(parent: string, name: string): string {
  return parent === '/' ? `/${name}` : `${parent}/${name}`;
}
