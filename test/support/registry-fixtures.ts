/**
 * The image set the "one registry writes, the other reads" interop tests push and compare
 * (test/interop/distribution-layout.test.ts on a filesystem root, s3-distribution.test.ts on a
 * bucket), with skopeo as the client.
 */
import assert from 'node:assert/strict';
import { assertSameImage, writeImageLayout, writeIndexLayout, type BuiltImage, type BuiltIndex } from './oci-layout.js';
import { makeTempDir, skopeo, type ServerHandle } from './process.js';

/** What the helpers need of a registry: where it answers (a server, or a load balancer in front of several). */
type Endpoint = Pick<ServerHandle, 'host' | 'url'>;

interface ListTagsOutput {
  Repository: string;
  Tags: string[];
}

export const push = (layout: string, tag: string, server: Endpoint, dest: string): Promise<unknown> =>
  skopeo(['copy', '--all', '--preserve-digests', '--dest-tls-verify=false', `oci:${layout}:${tag}`, `docker://${server.host}/${dest}`]);

export const pull = (server: Endpoint, src: string, layout: string, tag: string): Promise<unknown> =>
  skopeo(['copy', '--all', '--preserve-digests', '--src-tls-verify=false', `docker://${server.host}/${src}`, `oci:${layout}:${tag}`]);

export async function listTags(server: Endpoint, repo: string): Promise<string[]> {
  const r = await skopeo(['list-tags', '--tls-verify=false', `docker://${server.host}/${repo}`]);
  return (JSON.parse(r.stdout) as ListTagsOutput).Tags.sort();
}

export async function inspectRaw(server: Endpoint, ref: string): Promise<string> {
  return (await skopeo(['inspect', '--raw', '--tls-verify=false', `docker://${server.host}/${ref}`])).stdout;
}

/** The image set both directions push: a 3-layer image, a second tag, an index, a nested repo. */
export interface Fixtures {
  dir: string;
  v1: BuiltImage;
  v2: BuiltImage;
  multi: BuiltIndex;
  nested: BuiltImage;
}

export async function makeFixtures(seed: string): Promise<Fixtures> {
  const dir = await makeTempDir('oci-fixtures-');
  const v1 = await writeImageLayout(dir, { layers: 3, seed: `${seed}-v1`, tag: 'v1' });
  const v2 = await writeImageLayout(dir, { layers: 2, seed: `${seed}-v2`, tag: 'v2', sizeBytes: 64 * 1024 });
  const multi = await writeIndexLayout(dir, {
    seed: `${seed}-multi`,
    tag: 'multi',
    platforms: [
      { os: 'linux', architecture: 'amd64' },
      { os: 'linux', architecture: 'arm64', variant: 'v8' },
    ],
  });
  const nested = await writeImageLayout(dir, { layers: 1, seed: `${seed}-nested`, tag: 'nested' });
  return { dir, v1, v2, multi, nested };
}

/** Pushes the fixtures: app/web gets v1, v2, multi and latest (= v1); deep/team/app/tool gets 1.0. */
export async function pushFixtures(f: Fixtures, server: Endpoint): Promise<void> {
  await push(f.dir, 'v1', server, 'app/web:v1');
  await push(f.dir, 'v2', server, 'app/web:v2');
  await push(f.dir, 'multi', server, 'app/web:multi');
  await push(f.dir, 'v1', server, 'app/web:latest');
  await push(f.dir, 'nested', server, 'deep/team/app/tool:1.0');
}

/** Pulls every pushed tag back and checks digests and blobs against the fixtures. */
export async function pullAndCompare(f: Fixtures, server: Endpoint): Promise<void> {
  const out = await makeTempDir('oci-out-');
  for (const [src, fixtureTag] of [
    ['app/web:v1', 'v1'],
    ['app/web:v2', 'v2'],
    ['app/web:multi', 'multi'],
    ['app/web:latest', 'v1'],
    ['deep/team/app/tool:1.0', 'nested'],
  ] as const) {
    const outTag = src.replace(/[/:]/g, '_');
    await pull(server, src, out, outTag);
    await assertSameImage(f.dir, fixtureTag, out, outTag);
  }
  assert.deepEqual(await listTags(server, 'app/web'), ['latest', 'multi', 'v1', 'v2']);
  assert.deepEqual(await listTags(server, 'deep/team/app/tool'), ['1.0']);
  assert.equal(await inspectRaw(server, 'app/web:multi'), f.multi.index.toString('utf8'));
  assert.equal(await inspectRaw(server, `app/web@${f.v2.digest}`), f.v2.manifest.toString('utf8'));
  const head = await fetch(`${server.url}/v2/app/web/manifests/v1`, {
    method: 'HEAD',
    headers: { accept: 'application/vnd.oci.image.manifest.v1+json' },
  });
  assert.equal(head.status, 200);
  assert.equal(head.headers.get('docker-content-digest'), f.v1.digest);
}
