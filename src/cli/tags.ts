import { StowageError } from '../errors/error.js';
import { formatReference, parseReference } from '../reference/reference.js';
import { parseFormat, renderRows } from './format/go-template.js';
import { registryClient } from './registry-options.js';

const TAG_HEADERS = { Repository: 'REPOSITORY', Tag: 'TAG' };

/**
 * `stowage tags REPO`: every tag, following the registry's pagination; one per line, or
 * skopeo list-tags' JSON document (`--format json`), or, as docker's list verbs, `table`,
 * `table TEMPLATE` or a TEMPLATE run once per tag over {{.Repository}} and {{.Tag}}.
 */
export async function tags(repository: string, options: Record<string, unknown>): Promise<void> {
  const reference = parseReference(repository.replace(/^docker:\/\//, ''));
  if (reference.digest || (reference.tag && /:[^/]+$/.test(repository))) {
    throw new StowageError('REFERENCE_INVALID', `"${repository}" names an image; give a repository without tag or digest`);
  }
  const client = await registryClient(options);
  try {
    const list = await client.listTags({ domain: reference.domain, path: reference.path });
    const name = formatReference({ domain: reference.domain, path: reference.path });
    process.stdout.write(renderTags(name, list, typeof options.format === 'string' ? options.format : undefined));
  } finally {
    await client.close();
  }
}

export function renderTags(repository: string, list: string[], format: string | undefined): string {
  if (format === undefined || format === '' || format === 'text') return list.map((t) => `${t}\n`).join('');
  if (format === 'json') return `${JSON.stringify({ Repository: repository, Tags: list }, null, 4)}\n`;
  const rows = list.map((tag) => ({ Repository: repository, Tag: tag }));
  return renderRows(parseFormat(format, '{{.Repository}}\t{{.Tag}}'), rows, TAG_HEADERS, '*formatter.tagContext');
}
