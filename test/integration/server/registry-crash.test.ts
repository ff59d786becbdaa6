/**
 * `stowage serve` after a crash: the half-states each crash point of a manifest PUT leaves
 * (and a delete or a blob move killed half-way) are never listed, and their debris is swept at
 * start-up once old enough (a tag directory without current/link too, as distribution would
 * list it); and a server SIGKILLed while many PUTs are in flight, again and
 * again, lists only tags that GET.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdir, readdir, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { HttpClient } from '../../support/http.js';
import { makeTempDir, removeTempDirs, startStowage, stopAll } from '../../support/process.js';
import { eventually, exists, pushBlob, pushImage, sha256, v2Root, type Descriptor } from '../../support/registry-images.js';

const MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
const HOUR_AGO_TWICE = new Date(Date.now() - 2 * 3600_000);

async function tagsOf(client: HttpClient, repo: string): Promise<string[]> {
  const res = await client.get(`/v2/${repo}/tags/list`);
  assert.equal(res.status, 200, res.describe());
  return (JSON.parse(res.text) as { tags: string[] }).tags;
}

describe('a registry restarted after a crash', () => {
  after(async () => {
    await stopAll();
    await removeTempDirs();
  });

  it('lists no half-made tag, answers 404 for it, and sweeps old debris at start-up', async () => {
    const root = await makeTempDir('stowage-crash-');
    const first = await startStowage({ root });
    const c1 = new HttpClient(first.url);
    const good = await pushImage(c1, 'crash/app', 'good');
    await c1.close();
    await first.stop();

    const repo = join(v2Root(root), 'repositories', 'crash', 'app', '_manifests');
    const blobs = join(v2Root(root), 'blobs', 'sha256');
    // 1. Killed after the tag's index entry, before current/link (distribution's order).
    await mkdir(join(repo, 'tags', 'no-current', 'index', 'sha256', good.digest.slice(7)), { recursive: true });
    await writeFile(join(repo, 'tags', 'no-current', 'index', 'sha256', good.digest.slice(7), 'link'), good.digest);
    // 2. current/link to a revision whose blob data never arrived (a copy cut short).
    const lost = sha256('never stored');
    await mkdir(join(repo, 'revisions', 'sha256', lost.slice(7)), { recursive: true });
    await writeFile(join(repo, 'revisions', 'sha256', lost.slice(7), 'link'), lost);
    await mkdir(join(repo, 'tags', 'no-blob', 'current'), { recursive: true });
    await writeFile(join(repo, 'tags', 'no-blob', 'current', 'link'), lost);
    // 3. A temp file of a link write, a new tag's staging directory and a doomed tree: all old.
    const debris = [
      join(repo, 'tags', 'good', 'current', '.stowage-tmp-0123456789abcdef'),
      join(repo, '.stowage-tmp-tag-0123456789abcdef'),
      join(root, '.stowage-tmp-fedcba9876543210'),
    ];
    await writeFile(debris[0] as string, 'sha256:0');
    await mkdir(join(debris[1] as string, 'current'), { recursive: true });
    await mkdir(join(debris[2] as string, 'tags', 'x'), { recursive: true });
    // 4. A blob directory made by a move that never renamed into it.
    const empty = join(blobs, 'ab', `ab${'0'.repeat(62)}`);
    await mkdir(empty, { recursive: true });
    for (const path of [...debris, empty]) await utimes(path, HOUR_AGO_TWICE, HOUR_AGO_TWICE);
    // The orphan of 1. is old too: distribution would list it, so it goes.
    debris.push(join(repo, 'tags', 'no-current'));
    await utimes(join(repo, 'tags', 'no-current'), HOUR_AGO_TWICE, HOUR_AGO_TWICE);
    // 5. A temp file that may be another process's write in progress: kept.
    const fresh = join(repo, '.stowage-tmp-fresh000000000000');
    await writeFile(fresh, 'being written');

    const server = await startStowage({ root });
    const client = new HttpClient(server.url);
    try {
      assert.deepEqual(await tagsOf(client, 'crash/app'), ['good']);
      for (const tag of ['no-current', 'no-blob']) {
        const res = await client.get(`/v2/crash/app/manifests/${tag}`, { headers: { accept: MANIFEST } });
        assert.equal(res.status, 404, res.describe());
        assert.equal((JSON.parse(res.text) as { errors: Array<{ code: string }> }).errors[0]?.code, 'MANIFEST_UNKNOWN');
      }
      assert.equal((await client.get('/v2/crash/app/manifests/good', { headers: { accept: MANIFEST } })).status, 200);
      const swept = async (): Promise<boolean> => {
        for (const path of [...debris, empty]) if (await exists(path)) return false;
        return true;
      };
      assert.ok(
        await eventually(swept, 10_000),
        `still there: ${(await Promise.all([...debris, empty].map(async (p) => ((await exists(p)) ? p : '')))).filter(Boolean)}`,
      );
      assert.ok(await exists(fresh), 'a fresh temporary file is left alone');
      assert.deepEqual(await readdir(join(blobs, 'ab')), []);
      assert.deepEqual((await readdir(join(repo, 'tags'))).sort(), ['good', 'no-blob']);
      assert.ok(await eventually(async () => /removed leftovers of interrupted writes/.test(server.stderr())), server.stderr());
    } finally {
      await client.close();
      await server.stop();
    }
  });

  it('SIGKILLed again and again with many PUTs in flight: every listed tag GETs 200', async () => {
    const root = await makeTempDir('stowage-kill9-');
    let blobs: { config: Descriptor; layer: Descriptor } | undefined;
    let pushedTags = 0;
    for (let round = 0; round < 3; round++) {
      const server = await startStowage({ root });
      const client = new HttpClient(server.url);
      blobs ??= {
        config: await pushBlob(client, 'kill/app', '{"architecture":"amd64","os":"linux"}', 'application/vnd.oci.image.config.v1+json'),
        layer: await pushBlob(client, 'kill/app', randomBytes(4096)),
      };
      let answered = 0;
      const puts = Array.from({ length: 100 }, (_, i) => {
        const manifest = Buffer.from(
          JSON.stringify({
            schemaVersion: 2,
            mediaType: MANIFEST,
            config: blobs?.config,
            layers: [blobs?.layer],
            annotations: { round: String(round), i: String(i) },
          }),
        );
        // New tags each round, and tags pushed in earlier rounds moved to new manifests.
        const tag = i % 3 === 0 ? `old-${i % 30}` : `r${round}-${i}`;
        return client
          .put(`/v2/kill/app/manifests/${tag}`, { headers: { 'content-type': MANIFEST }, body: manifest })
          .then((res) => {
            answered++;
            if (res.status === 201) pushedTags++;
          })
          .catch(() => undefined);
      });
      await eventually(async () => answered >= 10 + round * 5, 20_000);
      server.process.kill('SIGKILL');
      await Promise.all(puts);
      await client.close();
      await new Promise((resolve) =>
        server.process.exitCode !== null || server.process.signalCode ? resolve(undefined) : server.process.once('exit', resolve),
      );

      const check = await startStowage({ root });
      const reader = new HttpClient(check.url);
      try {
        const tags = await tagsOf(reader, 'kill/app');
        assert.ok(tags.length > 0);
        for (const tag of tags) {
          const res = await reader.get(`/v2/kill/app/manifests/${tag}`, { headers: { accept: MANIFEST } });
          assert.equal(res.status, 200, `round ${round}: listed tag ${tag}: ${res.describe()}`);
        }
      } finally {
        await reader.close();
        await check.stop();
      }
    }
    assert.ok(pushedTags > 0);
  });
});
