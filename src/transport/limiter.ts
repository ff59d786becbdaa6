import { StowageError } from '../errors/error.js';

/**
 * Runs at most `concurrency` tasks at once; the rest wait in order. A finishing task hands its
 * slot straight to the next waiter, so a task arriving in between can never exceed the limit.
 */
export function createLimiter(concurrency: number): <T>(task: () => Promise<T>) => Promise<T> {
  if (!Number.isInteger(concurrency) || concurrency < 1) {
    throw new StowageError('CONFIG_INVALID', `concurrency must be a whole number of at least 1, not ${concurrency}`);
  }
  let running = 0;
  const waiting: Array<() => void> = [];
  const release = (): void => {
    const next = waiting.shift();
    if (next) next();
    else running--;
  };
  return async <T>(task: () => Promise<T>): Promise<T> => {
    if (running >= concurrency) await new Promise<void>((resolve) => waiting.push(resolve));
    else running++;
    try {
      return await task();
    } finally {
      release();
    }
  };
}
