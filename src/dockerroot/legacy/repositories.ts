import { Digest } from '../../digest/digest.js';
import { familiarString, tryParseReference } from '../../reference/reference.js';
import type { ConfinedFs } from '../confined-fs.js';
import { isLegacyId } from './ids.js';

/**
 * repositories-<driver> (docker 1.9 graph/tags.go, TagStore saved as JSON):
 *   {"Repositories": {"ubuntu": {"14.04": "<id>", "sha256:<digest>": "<id>"}}}
 * Repository names are as docker 1.9 kept them locally (`ubuntu`, `user/app`,
 * `localhost:5000/app`). A key that parses as a digest is a pull by digest (docker 1.10's
 * migration made those digest references, migrate/v1 migrateRefs), the others are tags.
 */
export interface LegacyNames {
  /** Image ID -> familiar `name:tag`, sorted. */
  tags: Map<string, string[]>;
  /** Image ID -> familiar `name@sha256:…`, sorted. */
  digests: Map<string, string[]>;
}

export async function readRepositories(fs: ConfinedFs, driver: string | undefined, problems: string[]): Promise<LegacyNames> {
  const names: LegacyNames = { tags: new Map(), digests: new Map() };
  if (driver === undefined) return names;
  const file = `repositories-${driver}`;
  if (!(await fs.lstat(file))) return names;
  let parsed: unknown;
  try {
    parsed = await fs.readJson(file);
  } catch (err) {
    // A truncated file (a crash while docker rewrote it) still leaves the images readable.
    problems.push(`${(err as Error).message}; no tags read, images are listed untagged`);
    return names;
  }
  const repositories = (parsed as { Repositories?: unknown } | null)?.Repositories;
  if (!isObject(repositories)) {
    problems.push(`${fs.join(file)}: no "Repositories" object; no tags read, images are listed untagged`);
    return names;
  }
  for (const [name, tags] of Object.entries(repositories)) {
    if (!isObject(tags)) {
      problems.push(`${fs.join(file)}: repository ${JSON.stringify(name.slice(0, 80))} is not an object of tags; skipped`);
      continue;
    }
    for (const [tag, id] of Object.entries(tags)) addName(names, fs.join(file), name, tag, id, problems);
  }
  for (const list of [...names.tags.values(), ...names.digests.values()]) list.sort();
  return names;
}

function addName(names: LegacyNames, file: string, name: string, tag: string, id: unknown, problems: string[]): void {
  const byDigest = Digest.isValid(tag);
  const text = byDigest ? `${name}@${tag}` : `${name}:${tag}`;
  const ref = tryParseReference(text);
  if (ref === undefined) {
    problems.push(`${file}: ${JSON.stringify(text.slice(0, 120))} is not a valid reference; skipped`);
    return;
  }
  if (!isLegacyId(id)) {
    problems.push(`${file}: ${familiarString(ref)} names ${JSON.stringify(String(id).slice(0, 80))}, not a 64-hex image ID; skipped`);
    return;
  }
  const map = byDigest ? names.digests : names.tags;
  const list = map.get(id) ?? [];
  list.push(familiarString(ref));
  map.set(id, list);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
