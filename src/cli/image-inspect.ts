import { inspectImages } from '../ops/image-inspect.js';
import { openStoreCatalog, type OpenCatalog } from './catalogs.js';
import { renderInspect } from './format/go-template.js';
import { IMAGE_INSPECT_TYPE } from './format/inspect-type.js';
import { reportError } from './report-error.js';
import { optionalString, print } from './verb-output.js';

/**
 * `stowage image inspect IMAGE...` and `stowage docker inspect IMAGE...`: a JSON array shaped
 * as docker's (Engine API ImageInspect), saying where each image's files are (the local store:
 * GraphDriver's blobs and unpacked layers; a Docker root: a "Stowage" section with each layer's
 * chain ID, cache ID, directory and size). As docker's inspector does, images found are printed,
 * each one not found (or whose template failed) is an error line after them, and the exit
 * status is then 1: with nothing found that is `[]` (no --format) or an empty line (a
 * template), and the error.
 */
export async function imageInspect(names: string[], options: Record<string, unknown>, open: OpenCatalog = openStoreCatalog): Promise<void> {
  const { found, failures } = await inspectImages(await open(options), names);
  const output = renderInspect(found, optionalString(options.format), IMAGE_INSPECT_TYPE);
  print(output.text);
  for (const err of [...failures, ...output.errors]) reportError(err);
  if (failures.length + output.errors.length > 0) process.exitCode = 1;
}
