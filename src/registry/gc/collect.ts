/**
 * Garbage collection of a registry root, online: while clients push, pull and delete, on the
 * filesystem, with no database, and beside distribution's own `garbage-collect` (which needs
 * the registry read-only; both free the same blobs of the same data).
 *
 * WHAT IS KEPT (the mark). Per repository: every manifest a tag points at, plus (unless
 * untagged deletion is on) every manifest revision; then what keeping those keeps: an index's
 * manifests, a manifest's referrers, a referrer's subject (plan.ts). Globally: every blob a kept
 * manifest is or references (config, layers, index entries). Per repository: the layer links
 * to those blobs. Retention removes tags first; a manifest that loses its last tag to retention
 * is deleted like an untagged one, without the untagged age. A pull-through cache's
 * repositories (options.expiry, cacheCaps) lose their tags the same way when the tag's manifest
 * was not pulled within the ttl (its revision link's time: reads touch it), or when the size cap
 * evicts them, least recently pulled first (cache-cap.ts); their untagged manifests go after
 * the ttl.
 *
 * WHAT GOES (the sweep). The rest: manifest revisions, layer links, blob data. Everything
 * else (tags the user made, uploads in progress, the referrers index) is left as it is.
 *
 * THE PROPERTY. A client that uploads a blob, or HEADs it and finds it, or mounts it, and then
 * PUTs a manifest that references it, succeeds, and the image it pushed is complete, whatever
 * a collection does meanwhile. The same for an index referencing manifests it found.
 *
 * THE PROTOCOL that gives it. Three parts, none of them a lock that clients take:
 *  1. Evidence. Every use of a blob or link leaves its modification time within
 *     TOUCH_INTERVAL_MS (10 s) of the use (store/quarantine.ts useFile): a HEAD or GET of a blob
 *     (its layer link and its data), a GET of a manifest (its revision link), a manifest PUT
 *     (everything it references, and its own blob), an upload (its data, touched before the
 *     rename to its digest; its link is written then), a mount (the source blob is used, the
 *     new link written). Nothing is written for a use whose file is recent already, so the
 *     hot path of a busy blob costs one utimes(2) per 10 s.
 *  2. Epoch and grace. A run notes when its mark began (M). The cutoff is
 *     M − grace − TOUCH_INTERVAL_MS: a file whose time is at or after it is never deleted by
 *     this run, whether or not the mark saw a reference to it. So anything used after the mark
 *     began, or within the grace window before it, survives, including what a manifest pushed
 *     after the mark read its repository references (its PUT used all of it). The grace window
 *     covers a client's pause between its HEAD and its PUT (default 1 h).
 *  3. Quarantine. Deleting is a move aside, then a judgement, then the delete (retire.ts): the
 *     file is moved to a hidden name beside it; its time is read there (a use that touched it
 *     before the move shows: the move keeps the inode); if recent it is moved back, otherwise
 *     deleted. A use that finds the file missing looks for it in quarantine and moves it back
 *     before answering (store/quarantine.ts rescue), and the delete then finds nothing. So a
 *     use either sees the file and leaves evidence the judgement reads, or brings it back,
 *     or finds it already deleted and answers "unknown" (and the client uploads it again).
 *     There is no moment at which a client is told "present" and the file can then go.
 * Manifests are deleted parents first (an index before its manifests, a referrer before its
 * subject: plan.ts deletionOrder), and all of them before any blob: while a manifest can still
 * be brought back, nothing it references has been deleted. A manifest kept at the last moment
 * (used, or brought back) keeps what it references in this run too.
 * The guarantee assumes a request takes less than the grace window, and one clock (the
 * filesystem's times are compared with this process's: on shared network storage, allow for skew).
 *
 * CRASHES. A kill at any point leaves only: things in quarantine (readers still find them,
 * the leftover sweep leaves them alone, the next run moves them back and decides afresh:
 * scan.ts, sweep-blobs.ts, tag-quarantine.ts), and things already deleted, which the run had
 * proved unreferenced and unused. No tag is removed but by retention, no manifest is deleted
 * while a tag points at it (a PUT that tags it writes its revision link first: evidence), and
 * no blob is deleted while a kept manifest references it. The next run completes.
 *
 * One run at a time per root (lock.ts).
 */
import type { Digest } from '../../digest/digest.js';
import type { StorageDriver } from '../../storage/driver.js';
import { createLimiter } from '../../transport/limiter.js';
import { deleteIfExists, writeLink } from '../store/links.js';
import { layerLinkPath, referrerLinkPath, referrerPath, revisionLinkPath } from '../store/paths.js';
import { statIfExists, TOUCH_INTERVAL_MS } from '../store/quarantine.js';
import { changingUsage } from '../store/usage-marks.js';
import { type UseLedger, useLedgerOf } from '../store/use-ledger.js';
import { acquireGcLock } from './lock.js';
import { gcUnsupported } from './unsupported.js';
import { deletionOrder, keepClosure, keptBlobs, markRepository } from './plan.js';
import { lastUsed, retireFile } from './retire.js';
import { planCacheCaps, type Eviction } from './cache-cap.js';
import { compileRetention, type CompiledRetention } from './retention.js';
import { listRepositories, scanRepository, type RepositoryScan, type TagScan } from './scan.js';
import { sweepBlobs } from './sweep-blobs.js';
import { retireTag } from './tag-quarantine.js';
import type { GcOptions, GcPhase, GcReport } from './types.js';

export const DEFAULT_GRACE_MS = 60 * 60 * 1000;

/** Repositories scanned or swept at once (each runs its own bounded parallel operations). */
const REPOSITORY_CONCURRENCY = 8;
/** Layer links of one repository retired at once. */
const LINK_CONCURRENCY = 16;

/** One garbage collection over a registry root; GC_RUNNING when another holds the root's lock. */
export async function collectGarbage(driver: StorageDriver, options: GcOptions = {}): Promise<GcReport> {
  const ledger = useLedgerOf(driver);
  if (driver.touchCopies && !ledger) throw gcUnsupported(driver.name);
  const lock = await acquireGcLock(driver);
  let finished = false;
  try {
    // With uses recorded in a database nothing is ever moved into quarantine: there is nothing to recover.
    const report = await run(driver, options, lock.recover && !ledger, ledger);
    finished = true;
    return report;
  } finally {
    await lock.release(finished);
  }
}

interface Run {
  driver: StorageDriver;
  recover: boolean;
  dryRun: boolean;
  cutoff: number;
  untaggedCutoff: number;
  deleteUntagged: boolean;
  retention: CompiledRetention | undefined;
  expiry: GcOptions['expiry'];
  evictions: Map<string, Eviction>;
  graceMs: number;
  report: GcReport;
  marked: Set<string>;
  check: () => void;
  onRepositoryChanged: GcOptions['onRepositoryChanged'];
}

async function run(driver: StorageDriver, options: GcOptions, recover: boolean, ledger: UseLedger | undefined): Promise<GcReport> {
  const started = Date.now();
  const graceMs = options.graceMs ?? DEFAULT_GRACE_MS;
  const progress = (phase: GcPhase, done: number, total?: number): void => options.onProgress?.(total === undefined ? { phase, done } : { phase, done, total });
  const check = (): void => options.signal?.throwIfAborted();
  const cutoff = started - graceMs - TOUCH_INTERVAL_MS;
  const state: Run = {
    driver,
    recover,
    dryRun: options.dryRun === true,
    cutoff,
    untaggedCutoff: started - Math.max(graceMs, options.untagged?.ageMs ?? 0) - TOUCH_INTERVAL_MS,
    deleteUntagged: options.untagged?.delete === true,
    retention: options.retention?.length ? compileRetention(options.retention) : undefined,
    expiry: options.expiry,
    evictions: new Map(),
    graceMs,
    report: {
      dryRun: options.dryRun === true,
      startedAt: new Date(started).toISOString(),
      durationMs: 0,
      repositories: 0,
      tags: { removed: 0, list: [] },
      manifests: { kept: 0, removed: 0 },
      blobs: { kept: 0, removed: 0, bytesFreed: 0, recent: 0 },
      layerLinks: { removed: 0 },
    },
    marked: new Set(),
    check,
    onRepositoryChanged: options.onRepositoryChanged,
  };

  const capped = (name: string): boolean => options.cacheCaps?.some((cap) => cap.owns(name)) === true;
  const names = await listRepositories(driver);
  state.report.repositories = names.length;
  const scans: RepositoryScan[] = [];
  const limit = createLimiter(REPOSITORY_CONCURRENCY);
  await Promise.all(
    names.map((name) =>
      limit(async () => {
        check();
        scans.push(
          await scanRepository(driver, name, { recover, tagTimes: state.retention !== undefined || state.expiry?.(name) !== undefined || capped(name) }),
        );
        progress('mark', scans.length, names.length);
      }),
    ),
  );
  scans.sort((a, b) => (a.name < b.name ? -1 : 1));
  if (ledger) await addRecordedUses(ledger, scans);
  if (options.cacheCaps?.length) state.evictions = await planCacheCaps(driver, scans, options.cacheCaps);

  let swept = 0;
  await Promise.all(
    scans.map((scan) =>
      limit(async () => {
        check();
        await sweepRepository(state, scan);
        progress('manifests', ++swept, scans.length);
      }),
    ),
  );

  await sweepBlobs(driver, {
    marked: state.marked,
    recover,
    cutoff,
    dryRun: state.dryRun,
    report: state.report.blobs,
    progress: (done, total) => progress('blobs', done, total),
    check,
  });
  if (ledger && !state.dryRun) await ledger.prune(oldestCutoff(state, names));
  state.report.durationMs = Date.now() - started;
  return state.report;
}

/** A revision's time is its last pull too: where uses are rows (store/use-ledger.ts), the later of its link's time and its row's. */
async function addRecordedUses(ledger: UseLedger, scans: RepositoryScan[]): Promise<void> {
  const revisions = scans.flatMap((scan) => [...scan.revisions.values()].map((revision) => ({ revision, path: revisionLinkPath(scan.name, revision.digest) })));
  const uses = await ledger.lastUses(revisions.map(({ path }) => path));
  for (const { revision, path } of revisions) revision.time = Math.max(revision.time, uses.get(path) ?? 0);
}

/** The earliest time this run judged anything by: a use recorded before it can keep nothing in any later run. */
function oldestCutoff(state: Run, names: string[]): number {
  const started = Date.parse(state.report.startedAt);
  let oldest = Math.min(state.cutoff, state.untaggedCutoff);
  for (const name of names) {
    const ttl = state.expiry?.(name);
    if (ttl !== undefined) oldest = Math.min(oldest, started - Math.max(state.graceMs, ttl) - TOUCH_INTERVAL_MS);
  }
  return oldest;
}

/** Retention, then the repository's manifests, then its layer links; its kept blobs join the global mark. */
async function sweepRepository(state: Run, scan: RepositoryScan): Promise<void> {
  const before = state.report.tags.removed + state.report.manifests.removed;
  try {
    await sweepRepositoryContent(state, scan);
  } finally {
    // Also after an abort or an error: what was removed before it stays removed.
    if (!state.dryRun && state.report.tags.removed + state.report.manifests.removed > before) await state.onRepositoryChanged?.(scan.name);
  }
}

async function sweepRepositoryContent(state: Run, scan: RepositoryScan): Promise<void> {
  const ttl = state.expiry?.(scan.name);
  const started = Date.parse(state.report.startedAt);
  const evicted = state.evictions.get(scan.name);
  const { tags, retentionUntagged } = await applyRetention(state, scan, ttl === undefined ? undefined : started - ttl, evicted?.tags);
  // What the size cap evicts goes like what lost its last tag to retention: once past the grace window.
  for (const key of evicted?.revisions ?? []) retentionUntagged.add(key);
  const kept = markRepository(scan, {
    tags,
    // A cached repository's untagged manifests go once unpulled for its ttl.
    deleteUntagged: state.deleteUntagged || ttl !== undefined,
    untaggedCutoff: ttl === undefined ? state.untaggedCutoff : started - Math.max(state.graceMs, ttl) - TOUCH_INTERVAL_MS,
    retentionUntagged,
    graceCutoff: state.cutoff,
  });
  for (const key of deletionOrder(scan, kept)) {
    // Kept since the order was made: a manifest kept at the last moment keeps this one.
    if (kept.has(key)) continue;
    state.check();
    if (await removeManifest(state, scan, key)) state.report.manifests.removed++;
    else keepClosure(scan, kept, [key]);
  }
  state.report.manifests.kept += kept.size;

  const { blobs, unreadable } = keptBlobs(scan, kept);
  for (const blob of blobs) state.marked.add(blob);
  // A kept manifest Stowage cannot read may reference any of them: all stay.
  if (unreadable) for (const key of scan.layers.keys()) state.marked.add(key);
  const unreached = unreadable ? [] : [...scan.layers].filter(([key]) => !blobs.has(key)).map(([, digest]) => digest);
  if (unreached.length === 0) return;
  const limit = createLimiter(LINK_CONCURRENCY);
  const retire = async (digest: Digest): Promise<void> => {
    const path = layerLinkPath(scan.name, digest);
    if (state.dryRun) {
      // Unless used since the cutoff (or gone).
      const info = await statIfExists(state.driver, path);
      if (info && (await lastUsed(state.driver, path, info)) < state.cutoff) state.report.layerLinks.removed++;
    } else if ((await retireFile(state.driver, path, state.cutoff)).outcome === 'removed') {
      state.report.layerLinks.removed++;
    }
  };
  const all = (): Promise<unknown> => Promise.all(unreached.map((digest) => limit(() => retire(digest))));
  // The usage bookkeeping's marker (store/usage-marks.ts) around the repository's link changes: `registry du` rescans it.
  await (state.dryRun ? all() : changingUsage(state.driver, scan.name, all));
}

/** Removes the tags retention chose; returns the tags left and the manifests that lost their last tag. */
async function applyRetention(
  state: Run,
  scan: RepositoryScan,
  expiredBefore?: number,
  evicted?: Set<string>,
): Promise<{ tags: TagScan[]; retentionUntagged: Set<string> }> {
  if (!state.retention && expiredBefore === undefined && !evicted) return { tags: scan.tags, retentionUntagged: new Set() };
  const plan = state.retention?.planTags(
    scan.name,
    scan.tags.map((tag) => ({ tag: tag.tag, digest: tag.digest.toString(), pushedAt: tag.pushedAt })),
    new Date(Date.parse(state.report.startedAt)),
  );
  const remove = [...(plan?.remove ?? [])];
  if (expiredBefore !== undefined) {
    // A cached tag whose manifest nobody pulled since the cutoff (its revision link's time: reads touch it).
    for (const tag of scan.tags) {
      const revision = scan.revisions.get(tag.digest.toString());
      if (revision && revision.time < expiredBefore && !remove.some((entry) => entry.tag === tag.tag)) {
        remove.push({ tag: tag.tag, digest: tag.digest.toString(), reason: 'cached, and not pulled within its ttl' });
      }
    }
  }
  for (const tag of scan.tags) {
    if (evicted?.has(tag.tag) && !remove.some((entry) => entry.tag === tag.tag)) {
      remove.push({ tag: tag.tag, digest: tag.digest.toString(), reason: 'cached, and evicted (least recently pulled) to keep the cache under its maxsize' });
    }
  }
  const removed = new Set<string>();
  for (const entry of remove) {
    const tag = scan.tags.find((candidate) => candidate.tag === entry.tag);
    if (!tag) continue;
    state.check();
    if (state.dryRun || (await retireTag(state.driver, scan.name, tag.tag, tag.pushedAt, Date.parse(state.report.startedAt))) === 'removed') {
      removed.add(tag.tag);
      state.report.tags.removed++;
      state.report.tags.list.push({ repository: scan.name, tag: tag.tag, digest: tag.digest.toString() });
    }
  }
  const tags = scan.tags.filter((tag) => !removed.has(tag.tag));
  const stillTagged = new Set(tags.map((tag) => tag.digest.toString()));
  const retentionUntagged = new Set(
    scan.tags.filter((tag) => removed.has(tag.tag) && !stillTagged.has(tag.digest.toString())).map((tag) => tag.digest.toString()),
  );
  return { tags, retentionUntagged };
}

/** Deletes one manifest revision (retire.ts); false when it stays (used meanwhile, or brought back). */
async function removeManifest(state: Run, scan: RepositoryScan, key: string): Promise<boolean> {
  const revision = scan.revisions.get(key);
  if (!revision || revision.time >= state.cutoff) return false;
  if (state.dryRun) return true;
  const { outcome } = await changingUsage(state.driver, scan.name, () => retireFile(state.driver, revisionLinkPath(scan.name, revision.digest), state.cutoff));
  if (outcome === 'kept') return false;
  const subject = revision.references?.subject;
  if (outcome === 'removed' && subject) await dropReferrer(state.driver, scan.name, subject, revision.digest);
  return outcome === 'removed';
}

/**
 * Removes a deleted manifest's entry from the referrers index. A client pushing the same
 * manifest again at this moment writes its revision link before its referrer entry, so when
 * the revision is back after the removal, the entry is written again.
 */
async function dropReferrer(driver: StorageDriver, name: string, subject: Digest, referrer: Digest): Promise<void> {
  await deleteIfExists(driver, referrerPath(name, subject, referrer));
  if (await statIfExists(driver, revisionLinkPath(name, referrer))) await writeLink(driver, referrerLinkPath(name, subject, referrer), referrer);
}
