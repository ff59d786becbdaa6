import { resolveImage } from '../../dockerroot/resolve.js';
import { copy } from '../../ops/copy.js';
import { savedTag } from '../../transport/docker-manifest-json.js';
import { isTransportName, parseImageName, type ImageName } from '../../transport/image-name.js';
import { progressReporter } from '../progress.js';
import { registryClientOptions } from '../registry-options.js';
import { openRoot } from './open-root.js';

/**
 * `stowage docker export IMAGE DEST`: an image out of a Docker root (daemon running or not),
 * as `stowage copy docker-root:IMAGE DEST` does. DEST is any transport name; a bare path is a
 * `docker save` archive named after the image, so `docker load` gets its tag back.
 */
export async function dockerExport(name: string, destination: string, options: Record<string, unknown>): Promise<void> {
  const { view } = await openRoot(options);
  const image = resolveImage(view, name);
  // The name as typed, so `docker load` answers to it, as after `docker save NAME`.
  const to = destinationName(destination, savedTag(name, image.repoTags));
  const reporter = await progressReporter(Boolean(options.quiet));
  const result = await reporter.around(copy(() => view.openSource(image), to, { registry: registryClientOptions(options), onProgress: reporter.onProgress }));
  if (!options.quiet) process.stdout.write(`${result.digest}\n`);
}

function destinationName(destination: string, tag: string | undefined): ImageName {
  if (isTransportName(destination)) return parseImageName(destination);
  return tag !== undefined ? { transport: 'docker-archive', path: destination, ref: tag } : { transport: 'docker-archive', path: destination };
}
