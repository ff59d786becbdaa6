// Stowage and CNCF distribution (docker-registry 2.8) share one on-disk format: a data
// directory written by one is served unchanged by the other. Pushes and pulls use skopeo.

import assert from 'node:assert/strict';
import { mkdir, readFile, readdir, utimes, writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { assertSameImage } from '../support/oci-layout.js';
import { type Fixtures, listTags, makeFixtures, pull, pullAndCompare, push, pushFixtures } from '../support/registry-fixtures.js';
import { makeTempDir, removeTempDirs, run, skopeo, startDistribution, startStowage, stopAll } from '../support/process.js';

/**
 * The registry's metadata files under ROOT/docker/registry/v2: relative path → content
 * for link files, "<data>" for blob data files; upload sessions are left out.
 */
async function metadataTree(root: string): Promise<Map<string, string>> {
  const base = join(root, 'docker', 'registry', 'v2');
  const out = new Map<string, string>();
  const walk = async (dir: string): Promise<void> => {
    for (const entry of await readdir(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) {
        if (entry.name === '_uploads') continue;
        // Stowage's own bookkeeping (usage index, changed markers, the GC lock) lives in
        // repositories/_stowage; distribution's catalog walk skips every `_`-prefixed directory.
        if (entry.name === '_stowage' && relative(base, dir) === 'repositories') continue;
        await walk(path);
      } else if (entry.isFile()) {
        const rel = relative(base, path);
        out.set(rel, entry.name === 'data' ? '<data>' : (await readFile(path, 'utf8')).trim());
      }
    }
  };
  await walk(base);
  return out;
}

describe("distribution's data directory layout", () => {
  after(async () => {
    await stopAll();
    await removeTempDirs();
  });

  describe('distribution writes, Stowage reads', () => {
    let f: Fixtures;
    let root: string;
    let distributionTags: string[];

    before(async () => {
      f = await makeFixtures('dist-writes');
      root = await makeTempDir('shared-root-');
      const dist = await startDistribution({ root, deleteEnabled: true });
      try {
        await pushFixtures(f, dist);
        distributionTags = await listTags(dist, 'app/web');
      } finally {
        await dist.stop();
      }
    });

    it("Stowage serves distribution's data unchanged: identical digests, blobs and tags", async () => {
      const stowage = await startStowage({ root });
      try {
        await pullAndCompare(f, stowage);
        assert.deepEqual(await listTags(stowage, 'app/web'), distributionTags);
      } finally {
        await stowage.stop();
      }
    });

    it("after Stowage adds a tag to distribution's data, distribution serves old and new tags", async () => {
      const stowage = await startStowage({ root });
      try {
        await push(f.dir, 'v2', stowage, 'app/web:added-by-stowage');
        await push(f.dir, 'nested', stowage, 'app/new:1');
      } finally {
        await stowage.stop();
      }
      const dist = await startDistribution({ root, deleteEnabled: true });
      try {
        assert.deepEqual(await listTags(dist, 'app/web'), ['added-by-stowage', 'latest', 'multi', 'v1', 'v2']);
        const out = await makeTempDir('oci-out-');
        await pull(dist, 'app/web:added-by-stowage', out, 'a');
        await assertSameImage(f.dir, 'v2', out, 'a');
        await pull(dist, 'app/new:1', out, 'b');
        await assertSameImage(f.dir, 'nested', out, 'b');
        await pull(dist, 'app/web:multi', out, 'c');
        await assertSameImage(f.dir, 'multi', out, 'c');
      } finally {
        await dist.stop();
      }
    });
  });

  describe('Stowage writes, distribution reads', () => {
    let f: Fixtures;
    let root: string;
    let stowageTags: string[];

    before(async () => {
      f = await makeFixtures('stowage-writes');
      root = await makeTempDir('shared-root-');
      const stowage = await startStowage({ root, args: ['--delete'] });
      try {
        await pushFixtures(f, stowage);
        stowageTags = await listTags(stowage, 'app/web');
      } finally {
        await stowage.stop();
      }
    });

    it("distribution serves Stowage's data unchanged: identical digests, blobs and tags", async () => {
      const dist = await startDistribution({ root, deleteEnabled: true });
      try {
        await pullAndCompare(f, dist);
        assert.deepEqual(await listTags(dist, 'app/web'), stowageTags);
        // Stowage's bookkeeping under repositories/_stowage is not a repository to distribution.
        const catalog = (await (await fetch(`http://${dist.host}/v2/_catalog`)).json()) as { repositories: string[] };
        assert.deepEqual(catalog.repositories.sort(), ['app/web', 'deep/team/app/tool']);
      } finally {
        await dist.stop();
      }
    });

    it("distribution can delete a manifest from Stowage's data, and Stowage then agrees", async () => {
      const dist = await startDistribution({ root, deleteEnabled: true });
      try {
        await skopeo(['delete', '--tls-verify=false', `docker://${dist.host}/app/web:v2`]);
        assert.deepEqual(await listTags(dist, 'app/web'), ['latest', 'multi', 'v1']);
      } finally {
        await dist.stop();
      }
      const stowage = await startStowage({ root });
      try {
        assert.deepEqual(await listTags(stowage, 'app/web'), ['latest', 'multi', 'v1']);
        const gone = await run('skopeo', ['inspect', '--raw', '--tls-verify=false', `docker://${stowage.host}/app/web@${f.v2.digest}`]);
        assert.notEqual(gone.code, 0, 'manifest deleted by distribution must be unknown to Stowage');
        const out = await makeTempDir('oci-out-');
        await pull(stowage, 'app/web:v1', out, 'v1');
        await assertSameImage(f.dir, 'v1', out, 'v1');
      } finally {
        await stowage.stop();
      }
    });
  });

  it('for the same pushes, Stowage writes the same metadata files (links) as distribution', async () => {
    const f = await makeFixtures('same-tree');
    const distRoot = await makeTempDir('dist-root-');
    const stowRoot = await makeTempDir('stowage-root-');
    const dist = await startDistribution({ root: distRoot, deleteEnabled: true });
    try {
      await pushFixtures(f, dist);
    } finally {
      await dist.stop();
    }
    const stowage = await startStowage({ root: stowRoot });
    try {
      await pushFixtures(f, stowage);
    } finally {
      await stowage.stop();
    }
    const expected = await metadataTree(distRoot);
    const actual = await metadataTree(stowRoot);
    const missing = [...expected.keys()].filter((k) => !actual.has(k)).sort();
    const extra = [...actual.keys()].filter((k) => !expected.has(k)).sort();
    const different = [...expected.keys()]
      .filter((k) => actual.has(k) && actual.get(k) !== expected.get(k))
      .map((k) => `${k}: distribution ${expected.get(k)}, stowage ${actual.get(k)}`);
    assert.deepEqual(
      { missing, extra, different },
      { missing: [], extra: [], different: [] },
      "metadata files under docker/registry/v2 differ from distribution's",
    );
  });

  it('after a crash left half-made tags, both registries list the same tags once Stowage has started', async () => {
    const f = await makeFixtures('crash');
    const root = await makeTempDir('crash-root-');
    const dist = await startDistribution({ root, deleteEnabled: true });
    try {
      await pushFixtures(f, dist);
    } finally {
      await dist.stop();
    }
    // What a crashed distribution leaves: a tag with its index entry and no current/link, and
    // a current/link written in place and cut short. Both an hour old and more.
    const tags = join(root, 'docker/registry/v2/repositories/app/web/_manifests/tags');
    const hex = f.v2.digest.slice(7);
    await mkdir(join(tags, 'no-current/index/sha256', hex), { recursive: true });
    await writeFile(join(tags, 'no-current/index/sha256', hex, 'link'), f.v2.digest);
    await mkdir(join(tags, 'torn/current'), { recursive: true });
    await writeFile(join(tags, 'torn/current/link'), 'sha256:');
    const old = new Date(Date.now() - 3 * 3600_000);
    for (const path of [join(tags, 'no-current'), join(tags, 'torn'), join(tags, 'torn/current/link')]) await utimes(path, old, old);

    const stowage = await startStowage({ root });
    let stowageTags: string[];
    try {
      stowageTags = await listTags(stowage, 'app/web');
      assert.deepEqual(stowageTags, ['latest', 'multi', 'v1', 'v2']);
      for (let i = 0; i < 100 && (await readdir(tags)).length > 4; i++) await new Promise((r) => setTimeout(r, 50));
    } finally {
      await stowage.stop();
    }
    const again = await startDistribution({ root, deleteEnabled: true });
    try {
      assert.deepEqual(await listTags(again, 'app/web'), stowageTags);
    } finally {
      await again.stop();
    }
  });

  describe('Stowage configured by a distribution-style config.yml', () => {
    it('uses rootdirectory, http.addr and delete.enabled from the config', async () => {
      const root = await makeTempDir('config-root-');
      const confDir = await makeTempDir('config-');
      const config = join(confDir, 'config.yml');
      await writeFile(
        config,
        [
          'version: 0.1',
          'log:',
          '  fields:',
          '    service: registry',
          'storage:',
          '  cache:',
          '    blobdescriptor: inmemory',
          '  filesystem:',
          `    rootdirectory: ${root}`,
          '  delete:',
          '    enabled: true',
          'http:',
          '  addr: 127.0.0.1:0',
          '  headers:',
          '    X-Content-Type-Options: [nosniff]',
          '',
        ].join('\n'),
      );
      const stowage = await startStowage({ config, addr: false });
      assert.equal(new URL(stowage.url).hostname, '127.0.0.1');
      assert.notEqual(new URL(stowage.url).port, '0');
      // The storage line may follow the listening line: give it a moment.
      for (let i = 0; i < 30 && !stowage.stdout().includes(root); i++) await new Promise((r) => setTimeout(r, 100));
      assert.ok(stowage.stdout().includes(root), `stdout names the storage path ${root}:\n${stowage.stdout()}`);

      const f = await makeFixtures('config');
      await push(f.dir, 'v1', stowage, 'cfg/app:v1');
      await push(f.dir, 'v2', stowage, 'cfg/app:v2');
      const link = await readFile(join(root, 'docker/registry/v2/repositories/cfg/app/_manifests/tags/v1/current/link'), 'utf8');
      assert.equal(link.trim(), f.v1.digest);
      const data = await readFile(join(root, 'docker/registry/v2/blobs/sha256', f.v1.digest.slice(7, 9), f.v1.digest.slice(7), 'data'));
      assert.ok(data.equals(f.v1.manifest));

      await skopeo(['delete', '--tls-verify=false', `docker://${stowage.host}/cfg/app:v2`]);
      assert.deepEqual(await listTags(stowage, 'cfg/app'), ['v1']);

      const status = await stowage.stop();
      assert.deepEqual(status, { code: 0, signal: null }, 'SIGTERM stops Stowage gracefully with exit code 0');
    });

    it('refuses deletes when storage.delete.enabled is false', async () => {
      const root = await makeTempDir('config-root-');
      const confDir = await makeTempDir('config-');
      const config = join(confDir, 'config.yml');
      await writeFile(
        config,
        ['version: 0.1', 'storage:', '  filesystem:', `    rootdirectory: ${root}`, '  delete:', '    enabled: false', 'http:', '  addr: 127.0.0.1:0', ''].join(
          '\n',
        ),
      );
      const stowage = await startStowage({ config, addr: false });
      try {
        const f = await makeFixtures('config-nodelete');
        await push(f.dir, 'v1', stowage, 'cfg/app:v1');
        const r = await run('skopeo', ['delete', '--tls-verify=false', `docker://${stowage.host}/cfg/app:v1`]);
        assert.notEqual(r.code, 0, 'delete must fail when deletes are disabled');
        assert.deepEqual(await listTags(stowage, 'cfg/app'), ['v1']);
        const res = await fetch(`${stowage.url}/v2/cfg/app/manifests/${f.v1.digest}`, { method: 'DELETE' });
        const body = await res.text();
        assert.equal(res.status, 405, body);
        assert.match(body, /UNSUPPORTED/);
      } finally {
        await stowage.stop();
      }
    });
  });
});
