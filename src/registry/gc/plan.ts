import type { RepositoryScan, TagScan } from './scan.js';

/** Which revisions of a repository are roots of the mark, as the run's options decide. */
export interface RootRules {
  /** Revisions pointed at by these tags are roots. */
  tags: TagScan[];
  /** Untagged revisions are roots unless this says to delete them... */
  deleteUntagged: boolean;
  /** ...and then still when their link time is at or after this (ms since the epoch): too young. */
  untaggedCutoff: number;
  /** Revisions that lost their last tag to retention in this run: deletable whatever their age, past the grace window (this cutoff). */
  retentionUntagged: Set<string>;
  graceCutoff: number;
}

/** Digests (as text) the repository keeps: roots and everything they keep (keepClosure). */
export function markRepository(scan: RepositoryScan, rules: RootRules): Set<string> {
  const roots: string[] = [];
  for (const tag of rules.tags) roots.push(tag.digest.toString());
  for (const [key, revision] of scan.revisions) {
    const cutoff = rules.retentionUntagged.has(key) ? rules.graceCutoff : rules.untaggedCutoff;
    if (!rules.deleteUntagged && !rules.retentionUntagged.has(key)) roots.push(key);
    else if (revision.time >= cutoff) roots.push(key);
  }
  const kept = new Set<string>();
  keepClosure(scan, kept, roots);
  return kept;
}

/**
 * Adds `from` and what keeping them keeps: an index's manifests, a manifest's referrers
 * (signatures and SBOMs stay with their subject), and a referrer's subject (never deleted
 * while something that refers to it is kept). Only revisions of this repository count.
 */
export function keepClosure(scan: RepositoryScan, kept: Set<string>, from: string[]): void {
  const referrers = referrersOf(scan);
  const stack = from.filter((key) => scan.revisions.has(key));
  while (stack.length > 0) {
    const key = stack.pop()!;
    if (kept.has(key)) continue;
    kept.add(key);
    const references = scan.revisions.get(key)?.references;
    const next = [...(references?.children ?? []).map(String), ...(references?.subject ? [references.subject.toString()] : []), ...(referrers.get(key) ?? [])];
    for (const other of next) if (scan.revisions.has(other) && !kept.has(other)) stack.push(other);
  }
}

/**
 * The revisions not kept, parents first: an index before its manifests, a referrer before
 * its subject. A reader can bring a quarantined manifest back (quarantine.ts rescue) until
 * the moment it is deleted, and what it references must then still be there; deleting in
 * this order means nothing is ever deleted while a manifest that references it can still
 * come back. (Members of a cycle, which well-formed content does not make, go in name order.)
 */
export function deletionOrder(scan: RepositoryScan, kept: Set<string>): string[] {
  const doomed = [...scan.revisions.keys()].filter((key) => !kept.has(key)).sort();
  const inDoomed = new Set(doomed);
  const parents = new Map<string, number>(doomed.map((key) => [key, 0]));
  const edges = new Map<string, string[]>();
  for (const key of doomed) {
    const references = scan.revisions.get(key)?.references;
    const targets = [...(references?.children ?? []).map(String), ...(references?.subject ? [references.subject.toString()] : [])].filter(
      (target) => inDoomed.has(target) && target !== key,
    );
    edges.set(key, targets);
    for (const target of targets) parents.set(target, (parents.get(target) ?? 0) + 1);
  }
  const order: string[] = [];
  const ready = doomed.filter((key) => parents.get(key) === 0);
  const placed = new Set<string>();
  while (order.length < doomed.length) {
    const key = ready.shift() ?? doomed.find((candidate) => !placed.has(candidate))!;
    if (placed.has(key)) continue;
    placed.add(key);
    order.push(key);
    for (const target of edges.get(key) ?? []) {
      const left = (parents.get(target) ?? 1) - 1;
      parents.set(target, left);
      if (left === 0 && !placed.has(target)) ready.push(target);
    }
  }
  return order;
}

/** subject → the revisions whose `subject` it is. */
function referrersOf(scan: RepositoryScan): Map<string, string[]> {
  const map = new Map<string, string[]>();
  for (const [key, revision] of scan.revisions) {
    const subject = revision.references?.subject?.toString();
    if (subject) map.set(subject, [...(map.get(subject) ?? []), key]);
  }
  return map;
}

/** Digests the kept revisions keep as blobs, and whether some kept manifest could not be read (then all links stay). */
export function keptBlobs(scan: RepositoryScan, kept: Set<string>): { blobs: Set<string>; unreadable: boolean } {
  const blobs = new Set<string>();
  let unreadable = false;
  for (const key of kept) {
    blobs.add(key);
    const references = scan.revisions.get(key)?.references;
    if (!references) unreadable = true;
    for (const digest of references?.blobs ?? []) blobs.add(digest.toString());
  }
  return { blobs, unreadable };
}
