import { constants } from 'node:os';

export interface Interrupt {
  /** Aborted by the first SIGINT (Ctrl-C) or SIGTERM: pass it to copyImage. */
  readonly signal: AbortSignal;
  /** Runs at once on that signal, before the transfer has wound down (stop the progress bars). */
  onSignal(action: () => void): void;
}

/**
 * Ctrl-C during a transfer, as docker does: the transfer stops, the bars stop (the cursor they
 * hid comes back), the verb's `finally` blocks run (a pull's staging area is removed, so nothing
 * is left to resume or to clean), and the process exits 128 + the signal's number: 130 for
 * SIGINT, 143 for SIGTERM. Node's default would kill the process at once, leaving the cursor
 * hidden and the staging area behind.
 *
 * A second signal while that runs exits at once; what it leaves (a staging area whose process is
 * gone) the next start of any store verb removes (store/recovery.ts).
 */
export async function interruptible(work: (interrupt: Interrupt) => Promise<void>): Promise<void> {
  const controller = new AbortController();
  const actions: Array<() => void> = [];
  let code = 0;
  const handler = (name: NodeJS.Signals): void => {
    if (controller.signal.aborted) process.exit(code);
    code = 128 + constants.signals[name];
    for (const action of actions) action();
    controller.abort(new Interrupted(name));
  };
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
  try {
    await work({ signal: controller.signal, onSignal: (action) => void actions.push(action) });
  } catch (err) {
    if (!controller.signal.aborted) throw err;
  } finally {
    process.off('SIGINT', handler);
    process.off('SIGTERM', handler);
  }
  if (controller.signal.aborted) {
    process.exitCode = code;
    // Whatever still holds the event loop (a keep-alive socket) must not hold the exit too.
    setTimeout(() => process.exit(code), 2_000).unref();
  }
}

/** Why a transfer stopped: the user asked. Never printed: the exit code says it. */
export class Interrupted extends Error {
  constructor(readonly signalName: NodeJS.Signals) {
    super(`interrupted by ${signalName}`);
    this.name = 'Interrupted';
  }
}

/**
 * save and load: SIGINT, SIGTERM or SIGHUP aborts the operation's signal (its scratch
 * directories go at once, synchronously: ops/resources.ts Scratch) and the process then dies of
 * the signal as if no handler had caught it, so the shell sees 130 / 143 / 129 and a parent sees
 * the signal, not an exit code.
 */
export async function dieOnSignal<T>(work: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const controller = new AbortController();
  const signals = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
  const unlisten = (): void => {
    for (const name of signals) process.off(name, handler);
  };
  const handler = (name: NodeJS.Signals): void => {
    unlisten();
    controller.abort(new Interrupted(name));
    process.kill(process.pid, name);
  };
  for (const name of signals) process.once(name, handler);
  try {
    return await work(controller.signal);
  } finally {
    unlisten();
  }
}
