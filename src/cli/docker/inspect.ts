import { inspectDockerImage } from '../../dockerroot/inspect.js';
import { resolveImage } from '../../dockerroot/resolve.js';
import { compileTemplate } from '../format/go-template.js';
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
  const format = optionalString(options.format);
  if (format === undefined || format === '') print(`${JSON.stringify(found, null, 4)}\n`);
  else {
    const template = compileTemplate(format);
    print(found.map((image) => `${template.render(image, { sortJsonKeys: false })}\n`).join(''));
  }
  for (const err of failures) reportError(err);
  if (failures.length > 0) process.exitCode = 1;
}
