import { copy as copyImage } from '../ops/copy.js';
import { parsePlatform } from '../oci/platform.js';
import '../ops/transports.js';
import { formatName, inFormat, parseManifestFormat } from '../transport/convert.js';
import { parseImageName } from '../transport/image-name.js';
import { interruptible } from './interrupt.js';
import { progressReporter } from './progress.js';
import { registryClientOptions } from './registry-options.js';
import { warn } from './verb-output.js';

/**
 * `stowage copy SRC DST`: skopeo's transport syntax, one copy call; Ctrl-C stops it and
 * exits 130. `--format oci|v2s2` rewrites the manifest's media types (convert.ts): stderr says
 * so, stdout has the new digest.
 */
export async function copy(src: string, dst: string, options: Record<string, unknown>): Promise<void> {
  const from = parseImageName(src);
  const to = parseImageName(dst);
  const format = typeof options.format === 'string' ? parseManifestFormat(options.format) : undefined;
  const platform = options.all ? 'all' : typeof options.platform === 'string' ? parsePlatform(options.platform) : undefined;
  const reporter = await progressReporter(Boolean(options.quiet));
  await interruptible(async (interrupt) => {
    interrupt.onSignal(reporter.stop);
    const result = await reporter.around(
      copyImage(from, to, {
        registry: registryClientOptions(options),
        warn,
        signal: interrupt.signal,
        platform,
        ...(options.concurrency ? { concurrency: Number(options.concurrency) } : {}),
        onProgress: reporter.onProgress,
        format,
      }),
    );
    if (result.convertedFrom && format && !options.quiet) {
      process.stderr.write(`Converted to ${formatName(format)} media types: manifest ${result.digest} (was ${result.convertedFrom.digest})\n`);
    }
    // Kept as it is (the digest is the source's), but skopeo 1.9 and podman 4.3 skip index.json
    // entries of Docker media types ("no descriptor found for reference"): say how to fix it.
    if (!format && (to.transport === 'oci' || to.transport === 'oci-archive') && !inFormat(result.mediaType, 'oci')) {
      warn(`${dst} holds ${result.mediaType}, which skopeo and podman do not read from an OCI layout; copy with --format oci to convert it`);
    }
    if (!options.quiet) process.stdout.write(`${result.digest}\n`);
  });
}
