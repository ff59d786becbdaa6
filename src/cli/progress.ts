import type { SingleBar } from 'cli-progress';
import type { Descriptor } from '../oci/descriptor.js';
import type { BlobOutcome, CopyProgress } from '../transport/copy.js';

/**
 * Copy progress for people: a bar per blob on a terminal (cli-progress), one plain line per
 * blob otherwise (logs, CI), nothing with -q. Lines go to stderr; stdout stays for results.
 */
export async function progressReporter(quiet: boolean): Promise<{ progress?: CopyProgress; stop(): void }> {
  if (quiet) return { stop: () => undefined };
  const out = process.stderr;
  if (!out.isTTY) {
    return {
      progress: {
        blobFinished: (d, outcome) => out.write(`${verb(outcome)} blob ${short(d)} (${formatBytes(d.size)})\n`),
        manifestWritten: (m) => out.write(`Wrote manifest ${m.digest}\n`),
      },
      stop: () => undefined,
    };
  }
  // cli-progress is CommonJS. Node's loader offers its exports both as named bindings and as
  // `default` (module.exports); esbuild's split bundle offers only `default`. So `default`, which
  // works in both: the named bindings were undefined in the installed (bundled) bin.
  const { default: cliProgress } = await import('cli-progress');
  const { MultiBar, Presets } = cliProgress;
  const bars = new MultiBar(
    { format: ' {id} [{bar}] {percentage}% | {done} / {size}', hideCursor: true, clearOnComplete: false, stream: out },
    Presets.shades_classic,
  );
  const open = new Map<string, SingleBar>();
  let stopped = false;
  return {
    progress: {
      // After stop() nothing draws again: MultiBar.create would hide the cursor and start over.
      blobStarted: (d) => stopped || open.set(d.digest, bars.create(Math.max(d.size, 1), 0, { id: short(d), done: formatBytes(0), size: formatBytes(d.size) })),
      blobProgress: (d, bytes) => stopped || open.get(d.digest)?.update(bytes, { done: formatBytes(bytes) }),
      blobFinished: (d, outcome) => stopped || open.get(d.digest)?.update(Math.max(d.size, 1), { done: verb(outcome).toLowerCase() }),
    },
    // Once only: each stop() moves the cursor back up over the bars and redraws them, so a
    // second one (the verbs stop on success and again in `finally`) would garble what follows.
    stop: () => {
      if (stopped) return;
      stopped = true;
      bars.stop();
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
