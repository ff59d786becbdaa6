/**
 * `stowage registry cache ls|rm|warm` through the real CLI, against a real upstream: CNCF
 * distribution holding images skopeo pushed from OCI layouts, cached under `docker.io/…` and
 * `ghcr.io/…` (both entries point at it).
 */
import assert from 'node:assert/strict';
import { readdir, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { CachedImage, RemovedCache } from '../../../src/registry/proxy/inventory.js';
import type { WarmReport } from '../../../src/registry/proxy/warm.js';
import { writeImageLayout, writeIndexLayout, type BuiltImage, type BuiltIndex } from '../../support/oci-layout.js';
import { makeTempDir, removeTempDirs, run, skopeo, startDistribution, stopAll, STOWAGE_CLI, type RunResult, type ServerHandle } from '../../support/process.js';

/** The environment without REGISTRY_* overrides, so that only the test's config decides. */
const env = Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith('REGISTRY_')));

describe('stowage registry cache', () => {
  let upstream: ServerHandle;
  let dir: string;
  let config: string;
  let alpine: BuiltImage;
  let multi: BuiltIndex;
  const cache = (...args: string[]): Promise<RunResult> => run(process.execPath, [STOWAGE_CLI, 'registry', 'cache', ...args], { timeoutMs: 15_000, env });
  const ok = async (...args: string[]): Promise<string> => {
    const result = await cache(...args);
    assert.equal(result.code, 0, result.stderr);
    return result.stdout;
  };
  const ls = async (...args: string[]): Promise<CachedImage[]> => JSON.parse(await ok('ls', config, ...args, '--format', 'json')) as CachedImage[];
  const imageBytes = (image: BuiltImage): number => image.config.size + image.layers.reduce((sum, layer) => sum + layer.size, 0);

  before(async () => {
    upstream = await startDistribution({ root: await makeTempDir('cache-upstream-') });
    const layout = await makeTempDir('cache-layout-');
    alpine = await writeImageLayout(layout, { layers: 2, seed: 'cache-alpine', tag: '3' });
    multi = await writeIndexLayout(layout, {
      seed: 'cache-multi',
      tag: 'multi',
      layers: 1,
      platforms: [
        { os: 'linux', architecture: 'amd64' },
        { os: 'linux', architecture: 'arm64', variant: 'v8' },
      ],
    });
    const push = (tag: string, dest: string): Promise<unknown> =>
      skopeo(['copy', '--all', '--preserve-digests', '--dest-tls-verify=false', `oci:${layout}:${tag}`, `docker://${upstream.host}/${dest}`]);
    await push('3', 'library/alpine:3');
    await push('multi', 'org/multi:1');
    dir = await makeTempDir('cache-cli-');
    config = join(dir, 'config.yml');
    await writeFile(
      config,
      [
        'version: 0.1',
        'storage:',
        '  filesystem:',
        `    rootdirectory: ${join(dir, 'data')}`,
        'proxies:',
        '  - host: docker.io',
        `    remoteurl: ${upstream.url}`,
        '  - host: ghcr.io',
        `    remoteurl: ${upstream.url}`,
        '',
      ].join('\n'),
    );
  });

  after(async () => {
    await stopAll();
    await removeTempDirs();
  });

  it('warm pulls an image through the cache once; a second warm fetches nothing', async () => {
    const bytes = imageBytes(alpine);
    // `alpine:3` is routed as docker's registry-mirrors pull: docker.io, library/.
    const first = JSON.parse(await ok('warm', config, 'alpine:3', '--format', 'json')) as WarmReport;
    assert.deepEqual(first, {
      repository: 'docker.io/library/alpine',
      reference: '3',
      digest: alpine.digest,
      upstream: 'docker.io',
      manifests: 1,
      blobs: 3,
      bytes,
      bytesFetched: bytes,
      stale: false,
    });
    const again = await ok('warm', config, 'docker.io/library/alpine:3');
    assert.match(
      again,
      new RegExp(`^Cached docker\\.io/library/alpine:3 \\(${alpine.digest}\\) from docker\\.io: 1 manifest, 3 blobs, \\S+ \\(0B fetched now\\)\n$`),
    );
  });

  it('warm pulls every platform of an index', async () => {
    const report = JSON.parse(await ok('warm', config, 'ghcr.io/org/multi:1', '--format', 'json')) as WarmReport;
    assert.equal(report.digest, multi.digest);
    assert.equal(report.manifests, 3);
    assert.equal(report.blobs, 4);
    assert.equal(
      report.bytesFetched,
      multi.images.reduce((sum, image) => sum + imageBytes(image), 0),
    );
  });

  it('ls lists each cached tag with its size, last pull and upstream; listing is not a pull', async () => {
    // Pulled two hours ago, as far as the store knows (the revision link's time).
    const hex = alpine.digest.slice('sha256:'.length);
    const link = join(dir, 'data/docker/registry/v2/repositories/docker.io/library/alpine/_manifests/revisions/sha256', hex, 'link');
    const then = new Date(Date.now() - 2 * 3_600_000);
    await utimes(link, then, then);
    const indexSize = multi.size + multi.images.reduce((sum, image) => sum + image.size + imageBytes(image), 0);
    const images = await ls();
    assert.equal(images[0]?.lastPulled, then.toISOString());
    assert.ok(Date.now() - Date.parse(images[1]?.lastPulled ?? '') < 600_000, images[1]?.lastPulled);
    assert.deepEqual(
      images.map(({ lastPulled: _, ...rest }) => rest),
      [
        {
          repository: 'docker.io/library/alpine',
          tag: '3',
          digest: alpine.digest,
          mediaType: alpine.mediaType,
          upstream: 'docker.io',
          size: alpine.size + imageBytes(alpine),
        },
        // The index's platform manifests are part of it, not untagged images of their own.
        { repository: 'ghcr.io/org/multi', tag: '1', digest: multi.digest, mediaType: multi.mediaType, upstream: 'ghcr.io', size: indexSize },
      ],
    );
    // Still two hours ago: the listing before touched nothing.
    const lines = (await ok('ls', config, 'alpine')).trimEnd().split('\n');
    assert.match(lines[0]!, /^REPOSITORY\s+TAG\s+DIGEST\s+SIZE\s+LAST PULLED\s+UPSTREAM$/);
    assert.equal(lines.length, 2);
    assert.match(lines[1]!, new RegExp(`^docker\\.io/library/alpine\\s+3\\s+${alpine.digest.slice(0, 19)}\\s+\\S+\\s+2 hours ago\\s+docker\\.io$`));
  });

  it('rm removes a tag and its manifest; ls no longer shows it', async () => {
    const removed = JSON.parse(await ok('rm', config, 'docker.io/library/alpine:3', '--format', 'json')) as RemovedCache;
    assert.deepEqual(removed, { repository: 'docker.io/library/alpine', tags: [{ tag: '3', digest: alpine.digest }], manifests: [alpine.digest] });
    assert.deepEqual(
      (await ls()).map((image) => image.repository),
      ['ghcr.io/org/multi'],
    );
  });

  it('rm by digest removes an index, its tags and its platform manifests; --gc then frees the blobs', async () => {
    // Cached a minute ago: a collection keeps what was used in the last seconds (touches are 10 s apart) whatever the grace.
    const blobs = join(dir, 'data/docker/registry/v2/blobs');
    const minuteAgo = new Date(Date.now() - 60_000);
    for (const file of await readdir(blobs, { recursive: true })) if (file.endsWith('/data')) await utimes(join(blobs, file), minuteAgo, minuteAgo);
    const platform = await cache('rm', config, `ghcr.io/org/multi@${multi.images[0]!.digest}`);
    assert.equal(platform.code, 1);
    assert.equal(
      platform.stderr,
      `stowage: ghcr.io/org/multi@${multi.images[0]!.digest} is a platform of the index ghcr.io/org/multi:1: remove that (or its digest) instead\n`,
    );
    const out = await ok('rm', config, `ghcr.io/org/multi@${multi.digest}`, '--gc', '--grace', '0');
    const children = multi.images.map((image) => image.digest).sort();
    const [removal, collection] = [out.slice(0, out.indexOf('Collecting')), out.slice(out.indexOf('Collecting'))];
    assert.equal(
      removal,
      [
        `Untagged: ghcr.io/org/multi:1 (${multi.digest})`,
        ...[multi.digest, ...children].sort().map((digest) => `Deleted: ghcr.io/org/multi@${digest}`),
        '',
      ].join('\n'),
    );
    // alpine's 4 (removed before, without --gc) and the index's 7: manifests, configs, layers.
    assert.match(collection, /^Collecting garbage now .*\nDeleted 11 blobs /);
    assert.deepEqual(await ls(), []);
    // Nothing references any blob now (alpine went before, without --gc): the collection freed them all.
    const files = await readdir(blobs, { recursive: true });
    assert.deepEqual(
      files.filter((file) => file.endsWith('/data')),
      [],
    );
  });

  it('answers a bad IMAGE with one line and exit code 1', async () => {
    const cases: [string[], RegExp][] = [
      [['rm', config, 'Docker.io/Alpine:3'], /^stowage: repository name "Docker\.io\/Alpine" must be lowercase\n$/],
      [
        ['rm', config, 'quay.io/org/app:1'],
        /^stowage: quay\.io\/org\/app is not a cached repository: no upstream is configured for it \(upstreams: docker\.io, ghcr\.io\)\n$/,
      ],
      [['rm', config, 'docker.io/library/alpine:3'], /^stowage: docker\.io\/library\/alpine:3 is not in the cache\n$/],
      [['rm', config, 'alpine', '--gc', '--format', 'json'], /^stowage: --gc prints the collection as text/],
      [['warm', config, 'docker.io/library/nope:1'], /^stowage: manifest unknown: docker\.io\/library\/nope@1\n$/],
      [['warm', config, 'alpine@sha256:1234'], /^stowage: invalid sha256 digest: sha256:1234\n$/],
    ];
    const results = await Promise.all(cases.map(([args]) => cache(...args)));
    cases.forEach(([args, stderr], i) => {
      const result = results[i]!;
      assert.equal(result.code, 1, `${args.join(' ')}: ${result.stdout}`);
      assert.match(result.stderr, stderr, args.join(' '));
      assert.equal(result.stderr.split('\n').length, 2, `one line: ${result.stderr}`);
    });
  });

  it('warm with the upstream down: the cached copy, said so; nothing cached: one line, exit code 1', async () => {
    await ok('warm', config, 'ghcr.io/org/multi:1');
    await upstream.stop();
    const [stale, cold] = await Promise.all([cache('warm', config, 'ghcr.io/org/multi:1'), cache('warm', config, 'alpine:3')]);
    assert.equal(stale.code, 0, stale.stderr);
    assert.match(stale.stdout, /\(0B fetched now\)\nThe upstream ghcr\.io could not be asked for the tag: this is the copy cached before, not refreshed\.\n$/);
    assert.equal(cold.code, 1);
    assert.match(cold.stderr, /^stowage: upstream docker\.io \(http:\/\/127\.0\.0\.1:\d+\) cannot be reached: [^\n]*\n$/);
  });
});
