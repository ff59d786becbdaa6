import type { Command } from 'commander';
import { push as pushImage } from '../ops/push.js';
import { formatReference, parseReference } from '../reference/reference.js';
import { interruptible } from './interrupt.js';
import { progressReporter } from './progress.js';
import { registryClientOptions } from './registry-options.js';
import { openStore } from './store-access.js';

/** `stowage push NAME[:TAG]`: docker push of an image in the local store; Ctrl-C stops it and exits 130. */
export async function push(name: string, options: Record<string, unknown>, command: Command): Promise<void> {
  // The name is checked before the store is opened.
  const reference = parseReference(name);
  const store = await openStore(options, command);
  const quiet = Boolean(options.quiet);
  await interruptible(async (interrupt) => {
    const reporter = await progressReporter(quiet);
    interrupt.onSignal(reporter.stop);
    const onProgress = reporter.onProgress;
    const result = await reporter.around(
      pushImage(name, {
        store,
        registry: registryClientOptions(options),
        signal: interrupt.signal,
        // Once the image is found and the copy begins, as before the bars.
        onProgress: (event) => {
          if (event.type === 'copy-started' && !quiet) process.stdout.write(`The push refers to repository [${reference.domain}/${reference.path}]\n`);
          onProgress?.(event);
        },
      }),
    );
    const tag = reference.digest ? formatReference(reference) : reference.tag;
    process.stdout.write(`${tag}: digest: ${result.digest} size: ${result.size}\n`);
  });
}
