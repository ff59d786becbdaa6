import '../src/cli/threadpool.js';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { collectGarbage } from '../src/registry/gc/index.js';
import { FilesystemDriver } from '../src/storage/index.js';

/**
 * `node dist/bench/gc-run.js ROOT [--grace-ms N] [--loop]`: Stowage's collector through the
 * library, as its own process so its time is a whole process's, as `docker-registry
 * garbage-collect`'s is. One run prints its report as JSON; `--loop` runs back to back until
 * SIGTERM and prints how many runs completed. (`stowage registry gc --grace 0` is the same
 * call behind the CLI.)
 */
async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const root = args[0];
  if (!root) throw new Error('usage: gc-run.js ROOT [--grace-ms N] [--loop]');
  const graceArg = args.indexOf('--grace-ms');
  const options = graceArg >= 0 ? { graceMs: Number(args[graceArg + 1]) } : {};
  const driver = new FilesystemDriver(root);
  if (!args.includes('--loop')) {
    console.log(JSON.stringify(await collectGarbage(driver, options)));
    return;
  }
  const stop = new AbortController();
  process.once('SIGTERM', () => stop.abort());
  let runs = 0;
  let blobsRemoved = 0;
  while (!stop.signal.aborted) {
    try {
      const report = await collectGarbage(driver, { ...options, signal: stop.signal });
      if (!stop.signal.aborted) runs++;
      blobsRemoved += report.blobs.removed;
    } catch (err) {
      // Stopped mid-run: what it did stays done (types.ts), the run just does not count.
      if (!stop.signal.aborted) throw err;
    }
    await nextTurn(); // let SIGTERM's handler run even if a run finished without I/O
  }
  console.log(JSON.stringify({ runs, blobsRemoved }));
}

main().catch((err: unknown) => {
  console.error(`gc-run: ${(err as Error).message}`);
  process.exitCode = 1;
});
