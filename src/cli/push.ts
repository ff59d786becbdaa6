import type { Command } from 'commander';
import { formatReference, parseReference } from '../reference/reference.js';
import { copyImage } from '../transport/copy.js';
import { RemoteSink } from '../transport/remote.js';
import { interruptible } from './interrupt.js';
import { progressReporter } from './progress.js';
import { registryClient } from './registry-options.js';
import { openStore } from './store-access.js';

/** `stowage push NAME[:TAG]`: docker push of an image in the local store; Ctrl-C stops it and exits 130. */
export async function push(name: string, options: Record<string, unknown>, command: Command): Promise<void> {
  const reference = parseReference(name);
  const store = await openStore(options, command);
  const image = await store.resolve(name);
  const client = await registryClient(options);
  const quiet = Boolean(options.quiet);
  if (!quiet) process.stdout.write(`The push refers to repository [${reference.domain}/${reference.path}]\n`);
  const sink = new RemoteSink(client, reference);
  const source = store.source(image);
  try {
    await interruptible(async (interrupt) => {
      const reporter = await progressReporter(quiet);
      interrupt.onSignal(reporter.stop);
      try {
        const result = await copyImage(source, sink, { signal: interrupt.signal, ...(reporter.progress ? { progress: reporter.progress } : {}) });
        reporter.stop();
        const tag = reference.digest ? formatReference(reference) : reference.tag;
        process.stdout.write(`${tag}: digest: ${result.digest} size: ${image.manifest.size}\n`);
      } finally {
        reporter.stop();
      }
    });
  } finally {
    await client.close();
  }
}
