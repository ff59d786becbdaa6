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
