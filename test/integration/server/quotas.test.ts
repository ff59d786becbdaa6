/**
 * Repository quotas (storage.quotas) over a real Registry on the filesystem driver, through
 * fastify's inject(): under quota a push succeeds; the write that would cross it is 403 DENIED
 * naming the rule, and keeps nothing (no blob data, no session, no link); what the repository
 * already links adds nothing; mounts and manifests count; the first matching rule applies.
 * And `stowage serve` refuses an invalid quota naming its key.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { Registry } from '../../../src/registry/server/registry.js';
import { exists } from '../../support/files.js';
import { STOWAGE_CLI } from '../../support/process.js';

const sha256 = (data: Buffer): string => `sha256:${createHash('sha256').update(data).digest('hex')}`;
const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';

function error(res: LightMyRequestResponse): { code?: string; message?: string } {
  return (res.json() as { errors?: Array<{ code: string; message: string }> }).errors?.[0] ?? {};
}

describe('storage.quotas', () => {
  let root: string;
  let registry: Registry;
  let app: FastifyInstance;
  const data = (digest: string): string => join(root, 'docker/registry/v2/blobs/sha256', digest.slice(7, 9), digest.slice(7), 'data');
  const uploads = async (repo: string): Promise<string[]> => readdir(join(root, 'docker/registry/v2/repositories', repo, '_uploads')).catch(() => []);
  const push = (repo: string, body: Buffer): Promise<LightMyRequestResponse> =>
    app.inject({
      method: 'POST',
      url: `/v2/${repo}/blobs/uploads/?digest=${sha256(body)}`,
      headers: { 'content-type': 'application/octet-stream' },
      payload: body,
    });

  before(async () => {
    root = await mkdtemp(join(tmpdir(), 'stowage-quotas-'));
    registry = new Registry({
      storage: { kind: 'filesystem', rootDirectory: root },
      quotas: [
        { repositories: ['team/*'], limit: 1000, limitBytes: 1000 },
        { repositories: ['solo', 'team/**'], limit: '2kB', limitBytes: 2000 },
      ],
    });
    app = await registry.prepare();
  });
  after(async () => {
    await registry.shutdown();
    await rm(root, { recursive: true, force: true });
  });

  const first = Buffer.alloc(600, 'a');
  const second = Buffer.alloc(500, 'b');

  it('accepts a push under quota, refuses the one that crosses it, keeping nothing of it', async () => {
    assert.equal((await push('team/app', first)).statusCode, 201);
    const res = await push('team/app', second);
    assert.equal(res.statusCode, 403, res.body);
    assert.deepEqual(error(res), {
      code: 'DENIED',
      message: 'repository team/app would use 1.1 kB, over its quota of 1 kB (storage.quotas rule "team/*")',
      detail: { quota: 1000, wouldUse: 1100 },
    });
    assert.equal(await exists(data(sha256(second))), false);
    assert.deepEqual(await uploads('team/app'), []);
    const head = await app.inject({ method: 'HEAD', url: `/v2/team/app/blobs/${sha256(second)}` });
    assert.equal(head.statusCode, 404);
  });

  it('refuses a chunked upload as soon as its bytes pass what is left, and ends the session', async () => {
    const start = await app.inject({ method: 'POST', url: '/v2/team/app/blobs/uploads/' });
    assert.equal(start.statusCode, 202);
    const location = String(start.headers.location);
    const patch = await app.inject({ method: 'PATCH', url: location, headers: { 'content-type': 'application/octet-stream' }, payload: second });
    assert.equal(patch.statusCode, 403, patch.body);
    assert.equal(error(patch).code, 'DENIED');
    assert.equal((await app.inject({ method: 'GET', url: location })).statusCode, 404);
    assert.deepEqual(await uploads('team/app'), []);
  });

  it('lets a blob the repository already links through, whatever is left', async () => {
    assert.equal((await push('team/app', first)).statusCode, 201);
  });

  it('counts a mount: refused over quota (no link), a blob already linked mounts', async () => {
    assert.equal((await push('other', second)).statusCode, 201, 'no rule matches: no quota');
    const mount = (digest: string) => app.inject({ method: 'POST', url: `/v2/team/app/blobs/uploads/?mount=${digest}&from=other` });
    const refused = await mount(sha256(second));
    assert.equal(refused.statusCode, 403, refused.body);
    assert.match(error(refused).message ?? '', /^repository team\/app would use 1\.1 kB, over its quota of 1 kB/);
    assert.equal(await exists(join(root, 'docker/registry/v2/repositories/team/app/_layers/sha256', sha256(second).slice(7))), false);
    assert.equal((await push('other', first)).statusCode, 201);
    assert.equal((await mount(sha256(first))).statusCode, 201);
  });

  it('counts a manifest new to the repository, not one it holds', async () => {
    const config = Buffer.alloc(100, 'c');
    assert.equal((await push('team/app', config)).statusCode, 201);
    const manifest = (layers: Buffer[]): Buffer =>
      Buffer.from(
        JSON.stringify({
          schemaVersion: 2,
          mediaType: OCI_MANIFEST,
          config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: sha256(config), size: config.length },
          layers: layers.map((l) => ({ mediaType: 'application/vnd.oci.image.layer.v1.tar', digest: sha256(l), size: l.length })),
          annotations: { pad: 'x'.repeat(200) },
        }),
      );
    const put = (body: Buffer, tag: string) =>
      app.inject({ method: 'PUT', url: `/v2/team/app/manifests/${tag}`, headers: { 'content-type': OCI_MANIFEST }, payload: body });
    const big = manifest([first]);
    const refused = await put(big, 'v1');
    assert.equal(refused.statusCode, 403, refused.body);
    assert.equal(error(refused).code, 'DENIED');
    assert.equal(await exists(data(sha256(big))), false);
    assert.equal((await app.inject({ method: 'GET', url: '/v2/team/app/manifests/v1' })).statusCode, 404);
    // Room for a small one (700 used); once stored, pushing it again (another tag) adds nothing.
    const small = Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: OCI_MANIFEST,
        config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: sha256(config), size: 100 },
        layers: [],
      }),
    );
    assert.ok(700 + small.length <= 1000 && 700 + small.length + big.length > 1000);
    assert.equal((await put(small, 'v1')).statusCode, 201);
    assert.equal((await put(small, 'v2')).statusCode, 201);
  });

  it('applies the first rule that matches: `*` is one level, so team/a/b falls to the second', async () => {
    assert.equal((await push('team/a/b', Buffer.alloc(1500, 'd'))).statusCode, 201);
    assert.equal((await push('solo', Buffer.alloc(1500, 'e'))).statusCode, 201);
    const res = await push('solo', Buffer.alloc(600, 'f'));
    assert.equal(res.statusCode, 403);
    assert.equal(error(res).message, 'repository solo would use 2.1 kB, over its quota of 2 kB (storage.quotas rule "solo")');
    assert.equal((await push('other', Buffer.alloc(5000, 'g'))).statusCode, 201);
  });
});

describe('stowage serve with an invalid quota', () => {
  let dir: string;
  before(async () => (dir = await mkdtemp(join(tmpdir(), 'stowage-quota-config-'))));
  after(async () => rm(dir, { recursive: true, force: true }));

  const run = promisify(execFile);
  async function refused(quotas: string): Promise<string> {
    const path = join(dir, 'config.yml');
    await writeFile(path, `version: 0.1\nstorage:\n  filesystem:\n    rootdirectory: ${dir}/data\n  quotas:\n${quotas}http:\n  addr: 127.0.0.1:0\n`);
    try {
      await run(process.execPath, [STOWAGE_CLI, 'serve', path], { timeout: 15_000 });
    } catch (err) {
      const e = err as { code: number; stderr: string };
      assert.equal(e.code, 1);
      return e.stderr.replace(`config file ${path}: `, '');
    }
    throw new Error('stowage serve started');
  }

  it('names the key of a bad limit, a bad pattern, or an unknown key, in one line', async () => {
    assert.equal(
      await refused('    - repositories: ["team/*"]\n      limit: 10 gigs\n'),
      'stowage: storage.quotas.0.limit: invalid size "10 gigs": expected bytes, or a number with a unit such as 500MB or 10GiB\n',
    );
    assert.equal(
      await refused('    - repositories: ["a"]\n      limit: 1GiB\n    - repositories: ["Team/*"]\n      limit: 1\n'),
      'stowage: storage.quotas.1.repositories.0: invalid repository pattern "Team/*": use names, "*" (one level) and "**" (any depth)\n',
    );
    assert.equal(
      await refused('    - repositories: ["a"]\n      limt: 1\n'),
      'stowage: storage.quotas.0.limit: required: a size: bytes, or a number with a unit such as 500MB or 10GiB\n',
    );
    assert.match(await refused('    - repositories: ["a"]\n      limit: 1\n      extra: 1\n'), /^stowage: storage\.quotas\.0: .*extra/i);
    assert.match(await refused('    - repositories: ["a"]\n      limit: -5\n'), /^stowage: storage\.quotas\.0\.limit: a size must be a whole number of bytes/);
  });
});
