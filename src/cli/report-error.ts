import { StowageError } from '../errors/error.js';

/** The CLI's one error path: a single readable line on stderr, never a stack trace unless asked. */
export function reportError(err: unknown): void {
  const message = err instanceof StowageError || err instanceof Error ? err.message : String(err);
  process.stderr.write(`stowage: ${noSpace(err) ?? message}\n`);
  if (process.env.STOWAGE_DEBUG && err instanceof Error && err.stack) process.stderr.write(`${err.stack}\n`);
}

/** A full disk named as such, with the path Node put on the error ("ENOSPC: …, open '<path>'" otherwise). */
function noSpace(err: unknown): string | undefined {
  const errno = err as NodeJS.ErrnoException | undefined;
  if (errno?.code !== 'ENOSPC') return undefined;
  return `no space left on device${errno.path ? ` writing ${errno.path}` : ''}`;
}
