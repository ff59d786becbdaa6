import type { MultiBar, SingleBar } from 'cli-progress';
import type { Descriptor } from '../oci/descriptor.js';
import type { CopyEvent } from '../ops/progress.js';
import type { BlobOutcome } from '../transport/copy.js';

export interface ProgressReporter {
  /** The operation's events, drawn; none with -q. */
  readonly onProgress?: (event: CopyEvent) => void;
  /** Ends the bars and gives the cursor back; once only, and only if a copy started. */
  stop(): void;
  /** Awaits the operation, then stops, whether it succeeded or failed (before its result or error is printed). */
  around<T>(operation: Promise<T>): Promise<T>;
}

/**
 * Copy progress for people: a bar per blob on a terminal (cli-progress), one plain line per
 * blob otherwise (logs, CI), nothing with -q. Lines go to stderr; stdout stays for results.
 */
export async function progressReporter(quiet: boolean): Promise<ProgressReporter> {
  if (quiet) return reporter(undefined, () => undefined);
  const out = process.stderr;
  if (!out.isTTY) {
    return reporter(
      (event) => {
        if (event.type === 'blob-finished') out.write(`${verb(event.outcome)} blob ${short(event.descriptor)} (${formatBytes(event.descriptor.size)})\n`);
        else if (event.type === 'manifest-written') out.write(`Wrote manifest ${event.manifest.digest}\n`);
      },
      () => undefined,
    );
  }
  // cli-progress is CommonJS. Node's loader offers its exports both as named bindings and as
  // `default` (module.exports); esbuild's split bundle offers only `default`. So `default`, which
  // works in both: the named bindings were undefined in the installed (bundled) bin.
  const { default: cliProgress } = await import('cli-progress');
  const { MultiBar, Presets } = cliProgress;
  // Made when the copy starts: stopping bars that never were still shows the cursor and ends a line.
  let bars: MultiBar | undefined;
  const open = new Map<string, SingleBar>();
  let stopped = false;
  return reporter(
    (event) => {
      // After stop() nothing draws again: MultiBar.create would hide the cursor and start over.
      if (stopped) return;
      if (event.type === 'copy-started') {
        bars ??= new MultiBar(
          { format: ' {id} [{bar}] {percentage}% | {done} / {size}', hideCursor: true, clearOnComplete: false, stream: out },
          Presets.shades_classic,
        );
      } else if (event.type === 'blob-started') {
        const d = event.descriptor;
        if (bars) open.set(d.digest, bars.create(Math.max(d.size, 1), 0, { id: short(d), done: formatBytes(0), size: formatBytes(d.size) }));
      } else if (event.type === 'blob-progress') {
        open.get(event.descriptor.digest)?.update(event.bytes, { done: formatBytes(event.bytes) });
      } else if (event.type === 'blob-finished') {
        open.get(event.descriptor.digest)?.update(Math.max(event.descriptor.size, 1), { done: verb(event.outcome).toLowerCase() });
      }
    },
    // Once only: each stop() moves the cursor back up over the bars and redraws them, so a
    // second one (on Ctrl-C and again as the operation ends) would garble what follows.
    () => {
      if (stopped) return;
      stopped = true;
      bars?.stop();
    },
  );
}

function reporter(onProgress: ((event: CopyEvent) => void) | undefined, stop: () => void): ProgressReporter {
  return {
    ...(onProgress ? { onProgress } : {}),
    stop,
    async around(operation) {
      try {
        return await operation;
      } finally {
        stop();
      }
    },
  };
}

function verb(outcome: BlobOutcome): string {
  return outcome === 'copied' ? 'Copied' : outcome === 'mounted' ? 'Mounted' : 'Skipped existing';
}

function short(descriptor: Descriptor): string {
  return descriptor.digest.slice(0, 19);
}

export function formatBytes(bytes: number): string {
  const units = ['B', 'kB', 'MB', 'GB', 'TB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit++;
  }
  return `${unit === 0 ? value : value.toFixed(value < 10 ? 2 : 1)}${units[unit]}`;
}
