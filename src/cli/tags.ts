import { StowageError } from '../errors/error.js';
import { formatReference, parseReference } from '../reference/reference.js';
import { registryClient } from './registry-options.js';

/** `stowage tags REPO`: every tag, following the registry's pagination; one per line, or skopeo's JSON. */
export async function tags(repository: string, options: Record<string, unknown>): Promise<void> {
  const reference = parseReference(repository.replace(/^docker:\/\//, ''));
  if (reference.digest || (reference.tag && /:[^/]+$/.test(repository))) {
    throw new StowageError('REFERENCE_INVALID', `"${repository}" names an image; give a repository without tag or digest`);
  }
  const client = await registryClient(options);
  try {
    const list = await client.listTags({ domain: reference.domain, path: reference.path });
    if (options.format === 'json') {
      const name = formatReference({ domain: reference.domain, path: reference.path });
      process.stdout.write(`${JSON.stringify({ Repository: name, Tags: list }, null, 4)}\n`);
    } else {
      process.stdout.write(list.map((t) => `${t}\n`).join(''));
    }
  } finally {
    await client.close();
  }
}
