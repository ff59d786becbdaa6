import path from 'node:path';
import type { ImageConfig } from '../../oci/config.js';
import type { ConfinedFs } from '../confined-fs.js';
import { LEGACY_ID, shortId } from './ids.js';

/**
 * One graph/<id>/ directory of a pre-1.10 root (docker 1.9 graph/graph.go): `json` (the v1
 * image JSON), `layersize` (decimal bytes, written when the layer was stored; absent when
 * docker had not computed it yet), `tar-data.json.gz` (the layer's tar-split), sometimes
 * `checksum` (the registry digest of the blob it was pulled as) and `parent` (see parentOf).
 */
export interface GraphEntry {
  id: string;
  /** The `json` file exactly as stored. */
  jsonBytes: Buffer;
  json: ImageConfig;
  parent: string | undefined;
  /** `layersize`, if present and a number. */
  size: number | undefined;
  /** Root-relative path of tar-data.json.gz, if present. */
  tarSplit: string | undefined;
  /** Root-relative paths of the directory's files other than `json` (layer side files). */
  sideFiles: string[];
}

export const GRAPH_DIR = 'graph';
const TAR_DATA = 'tar-data.json.gz';

/**
 * Reads graph/<id>/. Returns a problem line instead when the image cannot be listed: docker
 * 1.9 itself skipped an entry whose json was unreadable or named another ID (Graph.Get).
 * Lesser faults (an unreadable layersize) are pushed to `problems` and the image kept.
 */
export async function readGraphEntry(fs: ConfinedFs, id: string, problems: string[]): Promise<GraphEntry | string> {
  const dir = path.join(GRAPH_DIR, id);
  const jsonPath = path.join(dir, 'json');
  let jsonBytes: Buffer;
  let json: unknown;
  try {
    jsonBytes = await fs.readBuffer(jsonPath);
    json = JSON.parse(jsonBytes.toString('utf8'));
  } catch (err) {
    return `image ${shortId(id)}: ${describe(err, fs.join(jsonPath))}; image skipped`;
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    return `image ${shortId(id)}: ${fs.join(jsonPath)} is not a JSON object; image skipped`;
  }
  const config = json as ImageConfig;
  if (config.id !== id) {
    return `image ${shortId(id)}: ${fs.join(jsonPath)} names id ${JSON.stringify(String(config.id).slice(0, 80))}, not its directory's; image skipped (docker 1.9 refused it too)`;
  }
  const [parent, size, names] = await Promise.all([parentOf(fs, dir, config, problems), layerSize(fs, dir, problems), fs.list(dir)]);
  const sideFiles = names.filter((name) => name !== 'json').map((name) => path.join(dir, name));
  return {
    id,
    jsonBytes,
    json: config,
    parent,
    size,
    tarSplit: names.includes(TAR_DATA) ? path.join(dir, TAR_DATA) : undefined,
    sideFiles,
  };
}

/**
 * The parent ID as docker's 1.10 migration read it (migrate/v1 getParent): a non-empty
 * graph/<id>/parent file wins (a compatibility ID written by `docker load` of content-addressed
 * v1.9 archives); else json `parent`; else the hex of json `parent_id` (`sha256:<hex>`, v1.9).
 */
async function parentOf(fs: ConfinedFs, dir: string, json: ImageConfig, problems: string[]): Promise<string | undefined> {
  let fromFile: string | undefined;
  try {
    fromFile = (await fs.readTrimmed(path.join(dir, 'parent'))) || undefined;
  } catch {
    fromFile = undefined;
  }
  const fromJson = typeof json.parent === 'string' && json.parent !== '' ? json.parent : undefined;
  const parentId = json.parent_id;
  const fromParentId = typeof parentId === 'string' && parentId.startsWith('sha256:') ? parentId.slice('sha256:'.length) : undefined;
  const parent = fromFile ?? fromJson ?? fromParentId;
  if (parent === undefined) return undefined;
  if (!LEGACY_ID.test(parent)) {
    problems.push(`image ${shortId(String(json.id))}: parent ${JSON.stringify(parent.slice(0, 80))} is not a 64-hex image ID; treated as having no parent`);
    return undefined;
  }
  return parent;
}

async function layerSize(fs: ConfinedFs, dir: string, problems: string[]): Promise<number | undefined> {
  const file = path.join(dir, 'layersize');
  let text: string;
  try {
    text = await fs.readTrimmed(file);
  } catch {
    // Docker 1.9 computed it lazily when the file was missing; not a fault.
    return undefined;
  }
  if (!/^[0-9]{1,16}$/.test(text)) {
    problems.push(`${fs.join(file)}: ${JSON.stringify(text.slice(0, 40))} is not a byte count; size unknown`);
    return undefined;
  }
  return Number(text);
}

/** ConfinedFs messages already name the file; a parse error does not. */
function describe(err: unknown, file: string): string {
  return err instanceof SyntaxError ? `${file}: not valid JSON (${err.message})` : (err as Error).message;
}
