import type { _Object } from '@aws-sdk/client-s3';
import type { FileInfo } from '../driver.js';
import { TEMP_PREFIX } from '../path.js';

/**
 * The entries a depth-first walk in lexical order visits, from a flat key listing: S3 sorts
 * whole keys, which puts `a-b` before `a/x` ('-' < '/'), while a walk visits the directory `a`
 * and all below it first. Directories are made up from the keys' prefixes. Without
 * `temporary`, TEMP_PREFIX entries and everything under them are left out (a directory that
 * holds only such entries still shows, as on a filesystem). Keys with a part no driver path
 * can name (another tool's) are left out.
 */
export function sortedTree(objects: readonly _Object[], prefix: string, base: string, options: { temporary: boolean }): FileInfo[] {
  const entries = new Map<string, FileInfo>();
  const at = (parts: string[]): string => (base === '/' ? `/${parts.join('/')}` : `${base}/${parts.join('/')}`);
  for (const object of objects) {
    const parts = (object.Key ?? '').slice(prefix.length).split('/');
    if (!parts.every(isComponent)) continue;
    const hidden = parts.findIndex((part) => part.startsWith(TEMP_PREFIX));
    const shown = hidden === -1 || options.temporary ? parts.length : hidden;
    for (let depth = 1; depth < Math.min(shown + 1, parts.length); depth++) {
      const path = at(parts.slice(0, depth));
      if (!entries.has(path)) entries.set(path, { path, size: 0, modTime: object.LastModified ?? new Date(0), isDirectory: true });
    }
    if (shown === parts.length) {
      const path = at(parts);
      entries.set(path, { path, size: object.Size ?? 0, modTime: object.LastModified ?? new Date(0), isDirectory: false });
    }
  }
  return [...entries.values()].sort((a, b) => compareComponents(a.path, b.path));
}

/** Paths compared part by part, each part by code units: the order of a depth-first walk. */
function compareComponents(a: string, b: string): number {
  const x = a.split('/');
  const y = b.split('/');
  for (let i = 0; i < Math.min(x.length, y.length); i++) {
    if (x[i] !== y[i]) return (x[i] as string) < (y[i] as string) ? -1 : 1;
  }
  return x.length - y.length;
}

const COMPONENT = /^[A-Za-z0-9._-]+$/;

/** A key's part that a driver path can name: others (written by some other tool) are not shown. */
export function isComponent(name: string): boolean {
  return COMPONENT.test(name) && name !== '.' && name !== '..';
}
