/** Helpers for the garbage collection tests: ageing a root, pulling an image whole, listing what is left. */
import assert from 'node:assert/strict';
import { readdir, stat, utimes } from 'node:fs/promises';
import { join } from 'node:path';
import type { GcReport } from '../../src/registry/gc/index.js';
import type { HttpClient } from './http.js';
import { digestMatches, MT, v2Root } from './registry-images.js';

/** Sets every file and directory under the root `ms` into the past, as if pushed then. */
export async function age(root: string, ms: number): Promise<void> {
  const when = new Date(Date.now() - ms);
  const visit = async (dir: string): Promise<void> => {
    for (const entry of await readdir(dir, { withFileTypes: true }).catch(() => [])) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) await visit(path);
      await utimes(path, when, when).catch(() => undefined);
    }
  };
  await visit(root);
}

/** Pulls `repo:reference` as a client would (manifests, then every blob), checking every digest; index children too. */
export async function pullComplete(c: HttpClient, repo: string, reference: string): Promise<string[]> {
  const res = await c.get(`/v2/${repo}/manifests/${reference}`, {
    headers: { accept: [MT.ociManifest, MT.ociIndex, MT.dockerManifest, MT.dockerList].join(', ') },
  });
  assert.equal(res.status, 200, `GET ${repo}:${reference}: ${res.describe()}`);
  const digest = res.header('docker-content-digest')!;
  assert.ok(digestMatches(digest, res.body), `${repo}:${reference} manifest bytes match ${digest}`);
  const json = JSON.parse(res.text) as { manifests?: Array<{ digest: string }>; config?: { digest: string }; layers?: Array<{ digest: string }> };
  const seen = [digest];
  for (const child of json.manifests ?? []) seen.push(...(await pullComplete(c, repo, child.digest)));
  for (const blob of [...(json.config ? [json.config] : []), ...(json.layers ?? [])]) {
    const got = await c.get(`/v2/${repo}/blobs/${blob.digest}`);
    assert.equal(got.status, 200, `GET blob ${blob.digest} of ${repo}:${reference}: ${got.describe()}`);
    assert.ok(digestMatches(blob.digest, got.body), `blob ${blob.digest} hashes to its name`);
    seen.push(blob.digest);
  }
  return seen;
}

/** Digests of the blob data files under the root (quarantined ones not included). */
export async function blobsOnDisk(root: string): Promise<Set<string>> {
  const found = new Set<string>();
  const base = join(v2Root(root), 'blobs');
  for (const algorithm of await readdir(base).catch(() => [])) {
    for (const prefix of await readdir(join(base, algorithm)).catch(() => [])) {
      for (const hex of await readdir(join(base, algorithm, prefix)).catch(() => [])) {
        if (
          await stat(join(base, algorithm, prefix, hex, 'data')).then(
            () => true,
            () => false,
          )
        )
          found.add(`${algorithm}:${hex}`);
      }
    }
  }
  return found;
}

/** Paths of every garbage-collection quarantine entry under the root. */
export async function quarantined(root: string): Promise<string[]> {
  const found: string[] = [];
  const visit = async (dir: string): Promise<void> => {
    for (const entry of await readdir(dir, { withFileTypes: true }).catch(() => [])) {
      const path = join(dir, entry.name);
      if (entry.name.startsWith('.stowage-tmp-gc-')) found.push(path);
      else if (entry.isDirectory()) await visit(path);
    }
  };
  await visit(root);
  return found;
}

/** A collection's report with every figure set, for tests of what shows it (the admin API, the CLI). */
export function sampleReport(bytesFreed: number): GcReport {
  return {
    dryRun: false,
    startedAt: '2026-12-02T00:00:00.000Z',
    durationMs: 1234,
    repositories: 3,
    tags: { removed: 1, list: [{ repository: 'team/app', tag: 'old', digest: `sha256:${'a'.repeat(64)}` }] },
    manifests: { kept: 5, removed: 2 },
    blobs: { kept: 20, removed: 7, bytesFreed, recent: 1 },
    layerLinks: { removed: 4 },
  };
}
