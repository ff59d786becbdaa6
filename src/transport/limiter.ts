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
  // A queue with a head index: Array#shift is linear in the array's length, and a sweep queues
  // one task per blob (100,000 of them) at once.
  let waiting: Array<() => void> = [];
  let head = 0;
  const release = (): void => {
    const next = waiting[head];
    if (next) {
      waiting[head++] = undefined as unknown as () => void;
      if (head > 1024 && head * 2 > waiting.length) {
        waiting = waiting.slice(head);
        head = 0;
      }
      next();
    } else running--;
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
