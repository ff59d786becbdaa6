import { inspectDockerImage } from '../../dockerroot/inspect.js';
import { resolveImage } from '../../dockerroot/resolve.js';
import { renderInspect } from '../format/go-template.js';
import { IMAGE_INSPECT_TYPE } from '../format/inspect-type.js';
import { reportError } from '../report-error.js';
import { optionalString, print } from '../verb-output.js';
import { openRoot } from './open-root.js';

/** `stowage docker inspect IMAGE...`: docker's image inspect JSON, plus where each layer is on disk. */
export async function dockerInspect(names: string[], options: Record<string, unknown>): Promise<void> {
  const { view, fs } = await openRoot(options);
  const found: Record<string, unknown>[] = [];
  const failures: unknown[] = [];
  for (const name of names) {
    try {
      found.push(inspectDockerImage(view, resolveImage(view, name), fs));
    } catch (err) {
      failures.push(err);
    }
  }
  // Docker's own inspect: the same output, the same typed-then-raw template run.
  const output = renderInspect(found, optionalString(options.format), IMAGE_INSPECT_TYPE);
  print(output.text);
  for (const err of [...failures, ...output.errors]) reportError(err);
  if (failures.length + output.errors.length > 0) process.exitCode = 1;
}
