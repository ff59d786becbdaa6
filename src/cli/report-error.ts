import { errnoMessage } from '../errors/errno-words.js';
import { StowageError } from '../errors/error.js';

/** The CLI's one error path: a single readable line on stderr, never a stack trace unless asked. */
export function reportError(err: unknown): void {
  // A failed file operation in words naming the cause and the path (errno-words.ts), also one a StowageError wraps.
  const words = errnoMessage(err instanceof StowageError ? err.detail : err);
  const message = words ?? (err instanceof StowageError || err instanceof Error ? err.message : String(err));
  process.stderr.write(`stowage: ${message}\n`);
  if (process.env.STOWAGE_DEBUG && err instanceof Error && err.stack) process.stderr.write(`${err.stack}\n`);
}
