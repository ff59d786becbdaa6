import { parsePlatform } from '../oci/platform.js';
import { copyImage } from '../transport/copy.js';
import { parseImageName } from '../transport/image-name.js';
import { openSink, openSource } from '../transport/open.js';
import { progressReporter } from './progress.js';
import { registryClient } from './registry-options.js';
import { warn } from './verb-output.js';

/** `stowage copy SRC DST`: skopeo's transport syntax, one copyImage call. */
export async function copy(src: string, dst: string, options: Record<string, unknown>): Promise<void> {
  const from = parseImageName(src);
  const to = parseImageName(dst);
  const platform = options.all ? 'all' : typeof options.platform === 'string' ? parsePlatform(options.platform) : undefined;
  const client = await registryClient(options);
  const source = await openSource(from, { client, warn });
  const sink = await openSink(to, { client });
  const reporter = await progressReporter(Boolean(options.quiet));
  try {
    const result = await copyImage(source, sink, {
      ...(platform ? { platform } : {}),
      ...(options.concurrency ? { concurrency: Number(options.concurrency) } : {}),
      ...(reporter.progress ? { progress: reporter.progress } : {}),
    });
    reporter.stop();
    if (!options.quiet) process.stdout.write(`${result.digest}\n`);
  } finally {
    reporter.stop();
    await sink.close();
    await source.close();
    await client.close();
  }
}

