import path from 'node:path';
import type { ConfinedFs } from '../confined-fs.js';
import type { GraphEntry } from './graph-entry.js';
import { shortId } from './ids.js';

/**
 * A legacy image's layers are its ancestors: each graph entry is one layer and names its
 * parent, so the image's filesystem is the chain from the root ancestor down to itself.
 */
export interface Chain {
  /** IDs from the root ancestor to the image itself (only the part that could be followed). */
  ids: string[];
  /** Why the chain is incomplete (a missing parent, a loop), worded for the ancestor at fault so images sharing it share the line; undefined when whole. */
  broken: string | undefined;
}

export function chainOf(id: string, entries: ReadonlyMap<string, GraphEntry>): Chain {
  const ids: string[] = [];
  const seen = new Set<string>();
  let current: string | undefined = id;
  while (current !== undefined) {
    if (seen.has(current)) {
      return { ids: ids.reverse(), broken: `image ${shortId(current)}: its parent chain loops back to itself; the images above it have incomplete layers` };
    }
    const entry = entries.get(current);
    if (entry === undefined) {
      const child = ids[ids.length - 1] ?? id;
      return {
        ids: ids.reverse(),
        broken: `image ${shortId(child)}: names parent ${current}, which graph/ does not hold; it and the images above it have incomplete layers`,
      };
    }
    seen.add(current);
    ids.push(current);
    current = entry.parent;
  }
  return { ids: ids.reverse(), broken: undefined };
}

/**
 * aufs/layers/<id> lists the ancestors aufs stacks below a layer, nearest first (docker 1.9
 * daemon/graphdriver/aufs). A list that disagrees with the json chain means one of the two was
 * damaged; the json is what docker used to build images, so it wins and this is reported.
 */
export async function checkAufsLayers(fs: ConfinedFs, chain: Chain): Promise<string | undefined> {
  const id = chain.ids[chain.ids.length - 1];
  if (id === undefined || chain.broken !== undefined) return undefined;
  const file = path.join('aufs', 'layers', id);
  let text: string;
  try {
    text = await fs.readText(file, 1024 * 1024);
  } catch {
    return undefined;
  }
  const listed = text
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '');
  const expected = chain.ids.slice(0, -1).reverse();
  if (listed.length === expected.length && listed.every((line, i) => line === expected[i])) return undefined;
  return `${fs.join(file)}: lists ancestors ${listed.map(shortId).join(', ') || '(none)'} but graph/${shortId(id)}/json's chain is ${expected.map(shortId).join(', ') || '(none)'}; the json chain is used`;
}
