import { StowageError } from '../errors/error.js';

/** Characters a repository pattern may hold: those of repository names, `/` and `*`. */
const PATTERN = /^[a-z0-9._\-/*]+$/;

/**
 * A repository-name pattern: `*` matches within one path component (`team/*` is `team/app`
 * but not `team/a/b`), `**` any number of components (`team/**` is everything under `team/`).
 * Anything else matches itself. Compiled once to an anchored regex without nested
 * quantifiers, so matching is linear.
 */
export function compileGlob(pattern: string): (name: string) => boolean {
  if (!PATTERN.test(pattern) || /\*{3,}/.test(pattern)) {
    throw new StowageError('CONFIG_INVALID', `invalid repository pattern "${pattern.slice(0, 200)}": use names, "*" (one level) and "**" (any depth)`);
  }
  let source = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === '*' && pattern[i + 1] === '*') {
      source += '.*';
      i++;
    } else if (c === '*') {
      source += '[^/]*';
    } else {
      source += c.replace(/[.\-/]/g, '\\$&');
    }
  }
  const regex = new RegExp(`^${source}$`);
  return (name) => regex.test(name);
}
