import { locate, type Located } from '../../dockerroot/locate.js';
import type { DockerImage } from '../../dockerroot/model.js';
import { StowageError } from '../../errors/error.js';
import { compileTemplate, renderObject } from '../format/go-template.js';
import { truncateId } from '../format/table.js';
import { ANY, val } from '../format/template/values.js';
import { humanSizePrecise } from '../format/units.js';
import { optionalString, print } from '../verb-output.js';
import { openRoot } from './open-root.js';

/** `stowage docker locate ID-OR-PATH`: what it is, where it is, and which images and containers use it. */
export async function dockerLocate(query: string, options: Record<string, unknown>): Promise<void> {
  const { view } = await openRoot(options);
  const found = locate(view, query);
  if (found.length === 0) throw new StowageError('PATH_NOT_FOUND', `${query}: nothing in ${view.root} has this ID or path`);
  const format = optionalString(options.format);
  if (format === 'json') {
    print(`${JSON.stringify(found.map(toJson), null, 2)}\n`);
    return;
  }
  if (format !== undefined && format !== '') {
    // A template runs once per match over its JSON object (maps: a key a kind lacks is <no value>).
    const template = compileTemplate(format);
    print(found.map((entry) => renderObject(template, val(ANY, toJson(entry)))).join(''));
    return;
  }
  print(found.map(describe).join('\n'));
}

function imageName(image: DockerImage): string {
  const name = image.repoTags[0] ?? image.repoDigests[0] ?? '<none>';
  return `${name} (${truncateId(image.id)})`;
}

function describe(entry: Located): string {
  switch (entry.kind) {
    case 'image':
      return lines(`image ${entry.image.id}`, [
        ['matched', entry.matched],
        ['names', entry.image.repoTags.join(', ') || '<none>'],
        ['files', entry.image.paths.join('\n')],
        ['layers', entry.image.layers.map((l) => l.directory ?? l.chainId).join('\n')],
      ]);
    case 'layer':
      return lines(`layer ${entry.layer.chainId} (chain ID)`, [
        ['matched', entry.matched],
        ['diff ID', entry.layer.diffId],
        ['cache ID', entry.layer.cacheId ?? ''],
        ['directory', entry.layer.directory ?? ''],
        ['size', entry.layer.size !== undefined ? humanSizePrecise(entry.layer.size) : 'unknown'],
        ['paths', entry.layer.paths.join('\n')],
        ['images', entry.images.map(imageName).join('\n') || 'none (unreferenced)'],
        ['containers', entry.containers.map((c) => `${c.name ?? ''} (${truncateId(c.id)})`).join('\n') || 'none'],
      ]);
    case 'container':
      return lines(`container ${entry.container.id}`, [
        ['matched', entry.matched],
        ['name', entry.container.name ?? ''],
        ['image', entry.image !== undefined ? imageName(entry.image) : (entry.container.image ?? '')],
        ['writable layer', entry.container.directory ?? ''],
        ['paths', entry.container.paths.join('\n')],
      ]);
    case 'volume':
      return lines(`volume ${entry.name}`, [
        ['directory', entry.directory],
        ['containers', entry.containers.map((c) => `${c.name ?? ''} (${truncateId(c.id)})`).join('\n') || 'none'],
      ]);
    case 'store':
      return lines(entry.matched, [['is', entry.description]]);
  }
}

/** A heading and aligned "label: value" lines; multi-line values continue under the value. */
function lines(heading: string, fields: Array<[string, string]>): string {
  const width = Math.max(...fields.map(([label]) => label.length)) + 2;
  const body = fields
    .filter(([, value]) => value !== '')
    .map(([label, value]) => {
      const [first, ...rest] = value.split('\n');
      return [`  ${`${label}:`.padEnd(width)}${first}`, ...rest.map((line) => `  ${' '.repeat(width)}${line}`)].join('\n');
    });
  return `${heading}\n${body.join('\n')}\n`;
}

function toJson(entry: Located): Record<string, unknown> {
  const image = (i: DockerImage): Record<string, unknown> => ({ Id: i.id, RepoTags: i.repoTags });
  switch (entry.kind) {
    case 'image':
      return { Kind: 'image', Matched: entry.matched, ...image(entry.image), Paths: entry.image.paths };
    case 'layer':
      return {
        Kind: 'layer',
        Matched: entry.matched,
        ChainID: entry.layer.chainId,
        DiffID: entry.layer.diffId,
        CacheID: entry.layer.cacheId ?? null,
        Directory: entry.layer.directory ?? null,
        Size: entry.layer.size ?? null,
        Paths: entry.layer.paths,
        Images: entry.images.map(image),
        Containers: entry.containers.map((c) => ({ Id: c.id, Name: c.name ?? null })),
      };
    case 'container':
      return {
        Kind: 'container',
        Matched: entry.matched,
        Id: entry.container.id,
        Name: entry.container.name ?? null,
        Image: entry.container.image ?? null,
        Directory: entry.container.directory ?? null,
        Paths: entry.container.paths,
      };
    case 'volume':
      return { Kind: 'volume', Name: entry.name, Directory: entry.directory, Containers: entry.containers.map((c) => ({ Id: c.id, Name: c.name ?? null })) };
    case 'store':
      return { Kind: 'store', Path: entry.matched, Description: entry.description };
  }
}
