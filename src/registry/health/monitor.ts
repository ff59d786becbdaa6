import { StowageError } from '../../errors/error.js';
import { errorText, formatMs, type HealthCheck } from './check.js';

/** A check that went from healthy to failing (`error` set) or back. */
export interface HealthChange {
  name: string;
  healthy: boolean;
  error?: string;
}

export type HealthLog = { info: (o: object, m: string) => void; error: (o: object, m: string) => void };

export interface HealthMonitorOptions {
  /** Gets one line per transition, not one per run: a check failing for an hour is one line. */
  log?: HealthLog;
  onChange?: (change: HealthChange) => void;
}

interface CheckState {
  check: HealthCheck;
  /** Consecutive failed runs, up to the threshold (distribution's thresholdUpdater count). */
  failures: number;
  lastError: string | undefined;
  /** Whether the status reports it failing: what a transition changes. */
  reported: boolean;
  /** The round under way (settles by the deadline at the latest). */
  round: Promise<void> | undefined;
  /** The check's own work, which may outlive a round that timed out (a hung driver call cannot be cancelled). */
  work: Promise<void> | undefined;
  workStarted: number;
  timer: NodeJS.Timeout | undefined;
}

/**
 * Runs health checks on their intervals and keeps what `/debug/health` reports: distribution's
 * health registry (health/health.go), without its global state. Status is read from memory,
 * never by running a check during a request, so a slow backend cannot make the endpoint slow.
 *
 * Unlike distribution, which reports healthy until each check's first tick, `start` runs every
 * check at once; `checkNow` lets start-up wait for that first answer.
 */
export class HealthMonitor {
  private readonly states: CheckState[];
  /** Where transitions are logged (the server's logger, once it exists). */
  log: HealthLog | undefined;
  private readonly onChange: ((change: HealthChange) => void) | undefined;
  /** Bumped by start and stop, so that a tick of an earlier start schedules nothing more. */
  private generation = 0;
  private running = false;
  private stopping = new AbortController();

  constructor(checks: readonly HealthCheck[], options: HealthMonitorOptions = {}) {
    const names = new Set<string>();
    for (const check of checks) {
      // distribution panics here ("Check already exists"): two checks under one key would hide each other.
      if (names.has(check.name)) throw new StowageError('CONFIG_INVALID', `two health checks are named ${check.name}`);
      names.add(check.name);
    }
    this.states = checks.map((check) => ({
      check,
      failures: 0,
      lastError: undefined,
      reported: false,
      round: undefined,
      work: undefined,
      workStarted: 0,
      timer: undefined,
    }));
    this.log = options.log;
    this.onChange = options.onChange;
  }

  /** Runs every check now, then each on its interval. The timers do not keep the process alive. */
  start(): void {
    if (this.running) return;
    this.running = true;
    const generation = ++this.generation;
    for (const state of this.states) void this.tick(state, generation);
  }

  /** Stops the timers and aborts runs under way; the status stays as it was last known. */
  stop(): void {
    this.running = false;
    this.generation++;
    this.stopping.abort();
    this.stopping = new AbortController();
    for (const state of this.states) {
      clearTimeout(state.timer);
      state.timer = undefined;
    }
  }

  /** One run of every check (joining a run already under way), once all have settled. */
  async checkNow(): Promise<void> {
    await Promise.all(this.states.map((state) => this.runOnce(state)));
  }

  /** distribution's `/debug/health` body: each failing check's name to its error; `{}` when healthy. */
  status(): Record<string, string> {
    const status: Record<string, string> = {};
    for (const state of this.states) if (state.reported && state.lastError !== undefined) status[state.check.name] = state.lastError;
    return status;
  }

  healthy(): boolean {
    return this.states.every((state) => !state.reported);
  }

  private async tick(state: CheckState, generation: number): Promise<void> {
    const started = Date.now();
    await this.runOnce(state);
    if (generation !== this.generation) return;
    // A fixed rate, as Go's ticker: the next run is due an interval after this one began.
    const wait = Math.max(0, state.check.intervalMs - (Date.now() - started));
    state.timer = setTimeout(() => void this.tick(state, generation), wait);
    state.timer.unref();
  }

  private runOnce(state: CheckState): Promise<void> {
    state.round ??= this.round(state).finally(() => {
      state.round = undefined;
    });
    return state.round;
  }

  private async round(state: CheckState): Promise<void> {
    const { check } = state;
    if (state.work) {
      // The last run timed out and is still hanging: starting another would pile up calls on a
      // backend that is not answering. The check stays failing until that call comes back.
      this.record(state, `the previous check, started ${formatMs(Date.now() - state.workStarted)} ago, has not finished`);
      return;
    }
    const stopping = this.stopping.signal;
    const deadline = new AbortController();
    const work = Promise.resolve()
      .then(() => check.run(deadline.signal))
      .finally(() => {
        if (state.work === work) state.work = undefined;
      });
    state.work = work;
    state.workStarted = Date.now();
    // The round ends at the deadline or at stop(), whether or not the check's work does.
    let timer: NodeJS.Timeout | undefined;
    let stop = (): void => undefined;
    const cut = new Promise<never>((_, reject) => {
      const end = (why: string): void => {
        deadline.abort();
        reject(new Error(why));
      };
      timer = setTimeout(() => end(`no answer within ${formatMs(check.timeoutMs)}`), check.timeoutMs);
      stop = () => end('the monitor stopped');
    });
    stopping.addEventListener('abort', stop, { once: true });
    try {
      await Promise.race([work, cut]);
      this.record(state, undefined);
    } catch (err) {
      // A run cut short by stop() says nothing about the backend.
      if (!stopping.aborted) this.record(state, errorText(err));
    } finally {
      clearTimeout(timer);
      stopping.removeEventListener('abort', stop);
    }
  }

  /** One run's outcome (`error` undefined: it passed), through the threshold. */
  private record(state: CheckState, error: string | undefined): void {
    // distribution's threshold 0 (unset) is a single failure.
    const threshold = Math.max(1, state.check.threshold);
    if (error === undefined) {
      state.failures = 0;
    } else {
      state.failures = Math.min(state.failures + 1, threshold);
      state.lastError = error;
    }
    const failing = state.failures >= threshold;
    if (failing === state.reported) return;
    state.reported = failing;
    const name = state.check.name;
    if (failing) {
      this.log?.error({ check: name, error, failures: state.failures }, 'health check failing');
      this.onChange?.({ name, healthy: false, error: error! });
    } else {
      this.log?.info({ check: name }, 'health check passing again');
      this.onChange?.({ name, healthy: true });
    }
  }
}
