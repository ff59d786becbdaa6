import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * A registry root in CNCF distribution's layout (src/registry/store/paths.ts) for garbage
 * collection to work on, written straight with node:fs (100,000 blobs in well under a minute;
 * pushing them through a server would take the better part of an hour).
 *
 * What it holds, from one seed (same seed, same bytes, same digests):
 *   - `repositories` repositories of `manifestsPerRepository` image manifests each, half
 *     docker v2 schema 2, half OCI, each with its own config and 3–5 layers of a few hundred
 *     random bytes; 30% of layer slots come from a pool shared across repositories, and 3% of
 *     manifests are the same manifest pushed to a second repository;
 *   - as pushes leave them: `_layers` links for every config and layer, a revision link per
 *     manifest, tags with `current/link` and their `index/` history (`latest` moves);
 *   - work for GC: ~15% of manifests deleted as distribution's `DELETE /v2/<name>/manifests/
 *     <digest>` leaves them (revision link file removed, tags on it removed), ~17% untagged
 *     (revision link kept: `latest` moved away, or pushed by digest), and one orphan blob per
 *     repository (an aborted push: half with a `_layers` link, half without).
 *
 * `expected` is the blob set distribution 2.8's `garbage-collect` (no `-m`) keeps: every
 * manifest with a revision link, its config and layers (registry/storage/garbagecollect.go).
 */
export interface GcRootOptions {
  root: string;
  repositories: number;
  manifestsPerRepository: number;
  seed?: string;
  /** File times; default two days ago, so a GC's default grace window does not cover them. */
  mtime?: Date;
}

export interface GcRootSummary {
  repositories: number;
  /** Manifests written, deleted ones included. */
  manifests: number;
  deletedManifests: number;
  untaggedManifests: number;
  tags: number;
  blobs: number;
  orphanBlobs: number;
  /** Hex digests of the blobs distribution's garbage-collect keeps. */
  expected: Set<string>;
  /** Every tag left, `repository:tag` (what survives any GC that keeps tagged images). */
  tagged: string[];
}

interface Blob {
  hex: string;
  size: number;
}

interface Manifest extends Blob {
  mediaType: string;
  blobs: Blob[];
}

const V2 = 'docker/registry/v2';

export function writeGcRoot(options: GcRootOptions): GcRootSummary {
  const random = prng(options.seed ?? 'gc');
  const base = join(options.root, V2);
  const mtime = options.mtime ?? new Date(Date.now() - 2 * 86_400_000);
  const files: string[] = [];
  const write = (path: string, content: string | Buffer) => {
    const full = join(base, path);
    mkdirSync(join(full, '..'), { recursive: true });
    writeFileSync(full, content);
    files.push(full);
  };
  const written = new Set<string>();
  const putBlob = (content: Buffer): Blob => {
    const hex = createHash('sha256').update(content).digest('hex');
    if (!written.has(hex)) write(`blobs/sha256/${hex.slice(0, 2)}/${hex}/data`, content);
    written.add(hex);
    return { hex, size: content.length };
  };
  const randomBlob = (label: string): Blob => {
    const head = Buffer.from(`${label}\n`);
    const body = Buffer.alloc(200 + Math.floor(random() * 500));
    for (let i = 0; i < body.length; i++) body[i] = Math.floor(random() * 256);
    return putBlob(Buffer.concat([head, body]));
  };
  const pool: Blob[] = [];
  const poolSize = Math.max(20, options.repositories);
  const sharedLayer = (): Blob => {
    const i = Math.floor(random() * poolSize);
    pool[i] ??= randomBlob(`shared layer ${i}`);
    return pool[i];
  };

  const everyManifest: Manifest[] = [];
  const linked = new Set<string>(); // `${repo}@${hex}` revision links that stay
  const summary: GcRootSummary = {
    repositories: options.repositories,
    manifests: 0,
    deletedManifests: 0,
    untaggedManifests: 0,
    tags: 0,
    blobs: 0,
    orphanBlobs: 0,
    expected: new Set(),
    tagged: [],
  };

  for (let r = 0; r < options.repositories; r++) {
    const repo = repositoryName(r);
    const oci = r % 2 === 1;
    const tagOf = new Map<string, string>(); // tag -> manifest hex
    const revisions: Manifest[] = [];
    const earlier = everyManifest.length; // reuse only other repositories' manifests
    const linkBlob = (b: Blob) => write(`repositories/${repo}/_layers/sha256/${b.hex}/link`, `sha256:${b.hex}`);
    for (let m = 0; m < options.manifestsPerRepository; m++) {
      const reuse = earlier > 0 && random() < 0.03;
      const manifest = reuse ? everyManifest[Math.floor(random() * earlier)]! : buildManifest();
      if (!reuse) everyManifest.push(manifest);
      for (const b of manifest.blobs) linkBlob(b);
      write(`repositories/${repo}/_manifests/revisions/sha256/${manifest.hex}/link`, `sha256:${manifest.hex}`);
      revisions.push(manifest);
      summary.manifests++;
      const roll = random();
      const tag = roll < 0.65 ? `v${m}` : roll < 0.75 ? 'latest' : undefined;
      if (tag) {
        tagOf.set(tag, manifest.hex);
        write(`repositories/${repo}/_manifests/tags/${tag}/current/link`, `sha256:${manifest.hex}`);
        write(`repositories/${repo}/_manifests/tags/${tag}/index/sha256/${manifest.hex}/link`, `sha256:${manifest.hex}`);
      }
    }
    // Deletions by digest, as distribution's API does them: the revision link file goes (its
    // directory stays), and every tag whose current link names the manifest goes whole.
    for (const manifest of revisions) {
      if (random() >= 0.15) {
        linked.add(`${repo}@${manifest.hex}`);
        continue;
      }
      rmSync(join(base, `repositories/${repo}/_manifests/revisions/sha256/${manifest.hex}/link`), { force: true });
      summary.deletedManifests++;
      for (const [tag, hex] of tagOf) {
        if (hex !== manifest.hex) continue;
        rmSync(join(base, `repositories/${repo}/_manifests/tags/${tag}`), { recursive: true, force: true });
        tagOf.delete(tag);
      }
    }
    const tagged = new Set(tagOf.values());
    for (const manifest of revisions) {
      if (!linked.has(`${repo}@${manifest.hex}`)) continue;
      if (!tagged.has(manifest.hex)) summary.untaggedManifests++;
      summary.expected.add(manifest.hex);
      for (const b of manifest.blobs) summary.expected.add(b.hex);
    }
    summary.tags += tagOf.size;
    for (const tag of [...tagOf.keys()].sort()) summary.tagged.push(`${repo}:${tag}`);
    // An aborted push: the blob arrived, no manifest names it.
    const orphan = randomBlob(`orphan ${r}`);
    if (r % 2 === 0) linkBlob(orphan);
    summary.orphanBlobs++;

    function buildManifest(): Manifest {
      const n = 3 + Math.floor(random() * 3);
      const layers = Array.from({ length: n }, (_, i) => (random() < 0.3 ? sharedLayer() : randomBlob(`layer ${r}/${revisions.length}/${i}`)));
      const config = putBlob(
        Buffer.from(
          JSON.stringify({
            architecture: 'amd64',
            os: 'linux',
            config: { Labels: { bench: `${r}/${revisions.length}` } },
            rootfs: { type: 'layers', diff_ids: layers.map((l) => `sha256:${l.hex}`) },
          }),
        ),
      );
      const mediaType = oci ? 'application/vnd.oci.image.manifest.v1+json' : 'application/vnd.docker.distribution.manifest.v2+json';
      const layerType = oci ? 'application/vnd.oci.image.layer.v1.tar+gzip' : 'application/vnd.docker.image.rootfs.diff.tar.gzip';
      const configType = oci ? 'application/vnd.oci.image.config.v1+json' : 'application/vnd.docker.container.image.v1+json';
      const body = Buffer.from(
        JSON.stringify({
          schemaVersion: 2,
          mediaType,
          config: { mediaType: configType, size: config.size, digest: `sha256:${config.hex}` },
          layers: layers.map((l) => ({ mediaType: layerType, size: l.size, digest: `sha256:${l.hex}` })),
        }),
      );
      return { ...putBlob(body), mediaType, blobs: [config, ...layers] };
    }
  }
  for (const file of files) {
    try {
      utimesSync(file, mtime, mtime);
    } catch {
      // removed by a deletion above
    }
  }
  summary.blobs = written.size;
  return summary;
}

/** `org3/svc17`, some one level (`lib42`), some three (`org1/team5/svc40`). */
function repositoryName(r: number): string {
  if (r % 10 === 0) return `lib${r}`;
  if (r % 10 === 1) return `org${r % 13}/team${r % 7}/svc${r}`;
  return `org${r % 17}/svc${r}`;
}

/** mulberry32 over a seed's hash: fast, and the same sequence on every machine. */
function prng(seed: string): () => number {
  let state = createHash('sha256').update(seed).digest().readUInt32LE(0);
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The hex digests of every blob data file under a root (`blobs/sha256/<xx>/<hex>/data`). */
export function blobsOnDisk(root: string): Set<string> {
  const dir = join(root, V2, 'blobs', 'sha256');
  const out = new Set<string>();
  let prefixes: string[];
  try {
    prefixes = readdirSync(dir);
  } catch {
    return out;
  }
  for (const prefix of prefixes) {
    for (const hex of readdirSync(join(dir, prefix))) {
      try {
        if (readdirSync(join(dir, prefix, hex)).includes('data')) out.add(hex);
      } catch {
        // not a directory
      }
    }
  }
  return out;
}

/** Digests in one set and not the other, both ways. */
export function blobSetDifference(a: Set<string>, b: Set<string>): { onlyA: string[]; onlyB: string[] } {
  return { onlyA: [...a].filter((x) => !b.has(x)), onlyB: [...b].filter((x) => !a.has(x)) };
}

/** The smallest config `docker-registry garbage-collect` (distribution 2.8) runs with. */
export async function writeDistributionGcConfig(file: string, root: string): Promise<void> {
  await writeFile(file, ['version: 0.1', 'log:', '  level: error', 'storage:', '  filesystem:', `    rootdirectory: ${JSON.stringify(root)}`, ''].join('\n'));
}
