import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { access, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { BuiltImage } from '../../support/oci-layout.js';
import { startRegistry, type TestRegistry } from '../../support/registry.js';
import { pullBaseAndApp } from '../../support/base-app.js';

const CLI = fileURLToPath(new URL('../../../src/cli/main.js', import.meta.url));
const exec = promisify(execFile);

describe('store verbs end to end, on a real store', () => {
  let reg: TestRegistry;
  let dir: string;
  let host: string;
  let base: BuiltImage;
  let app: BuiltImage;
  const stowage = (...args: string[]) => exec(process.execPath, [CLI, ...args], { env: { ...process.env, STOWAGE_ROOT: join(dir, 'root') }, timeout: 60_000 });

  before(async () => {
    reg = await startRegistry();
    host = new URL(reg.url).host;
    dir = await mkdtemp(join(tmpdir(), 'stowage-cli-store-'));
    ({ base, app } = await pullBaseAndApp(stowage, dir, host, { seed: 'verbs', sizeBytes: 200_000 }));
  });
  after(async () => {
    await reg.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('images: docker columns, -q, filters and JSON', async () => {
    const table = (await stowage('images')).stdout.split('\n');
    assert.match(table[0] ?? '', /^REPOSITORY\s+TAG\s+IMAGE ID\s+CREATED\s+SIZE$/);
    assert.equal(table.filter((l) => l.includes(`${host}/`)).length, 2);
    assert.match(table.find((l) => l.includes('team/app')) ?? '', new RegExp(`^${host}/team/app\\s+1\\s+${app.config.digest.slice(7, 19)}\\s+`));
    assert.deepEqual(
      (await stowage('images', '-q')).stdout.trim().split('\n').sort(),
      [base.config.digest.slice(7, 19), app.config.digest.slice(7, 19)].sort(),
    );
    assert.equal((await stowage('images', '-q', '--filter', `reference=${host}/team/*`)).stdout, `${app.config.digest.slice(7, 19)}\n`);
    assert.equal((await stowage('images', '-q', '--filter', 'dangling=true')).stdout, '');
    const rows = (await stowage('images', '--format', 'json')).stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, string>);
    assert.deepEqual(
      rows.map((r) => r.Tag),
      ['1', '1'],
    );
    assert.ok(rows.every((r) => typeof r.Size === 'string' && typeof r.ID === 'string'));
  });

  it('image inspect: Docker-shaped, and says where the files are', async () => {
    const [info] = JSON.parse((await stowage('image', 'inspect', `${host}/team/app:1`)).stdout) as Array<Record<string, unknown>>;
    assert.equal(info?.Id, app.config.digest);
    assert.deepEqual(info?.RepoTags, [`${host}/team/app:1`]);
    assert.deepEqual(info?.RepoDigests, [`${host}/team/app@${app.digest}`]);
    assert.equal(info?.Architecture, 'amd64');
    assert.deepEqual(
      (info!.RootFS as { Layers: string[] }).Layers,
      app.layers.map((l) => l.diffId),
    );
    const blobs = (info!.GraphDriver as { Data: { Blobs: string } }).Data.Blobs.split(':');
    assert.equal(blobs.length, 4);
    for (const path of blobs) await access(path);
    assert.equal((await stowage('image', 'inspect', '--format', '{{.Id}}', `${host}/team/app:1`)).stdout, `${app.config.digest}\n`);
  });

  it('system df -v: shared and unique sizes per image', async () => {
    const df = (await stowage('system', 'df')).stdout;
    assert.match(df, /^Images\s+2\s+0\s+/m);
    const verbose = (await stowage('system', 'df', '-v')).stdout;
    assert.match(verbose, /SHARED SIZE\s+UNIQUE SIZE/);
    assert.equal(verbose.split('\n').filter((l) => l.startsWith(`${host}/`)).length, 2);
  });

  it('info and history', async () => {
    assert.match((await stowage('info')).stdout, new RegExp(`^Stowage Root Dir: ${join(dir, 'root')}$`, 'm'));
    const history = (await stowage('history', `${host}/team/app:1`)).stdout.trim().split('\n');
    assert.match(history[0] ?? '', /^IMAGE\s+CREATED\s+CREATED BY\s+SIZE\s+COMMENT$/);
    assert.equal(history.length, 4);
  });

  it('pull by digest names the image repo@digest on every line, as docker does; by tag unchanged', async () => {
    const root = join(dir, 'by-digest');
    const byDigest = (await stowage('--root', root, 'pull', `${host}/team/app@${app.digest}`)).stdout;
    assert.equal(
      byDigest,
      [
        `${host}/team/app@${app.digest}: Pulling from team/app`,
        `Digest: ${app.digest}`,
        `Status: Downloaded newer image for ${host}/team/app@${app.digest}`,
        `${host}/team/app@${app.digest}`,
        '',
      ].join('\n'),
    );
    // Tag and digest: docker's CLI hands the daemon only the digest, so its lines name repo@digest; the last line is as typed.
    const both = (await stowage('--root', root, 'pull', `${host}/team/app:1@${app.digest}`)).stdout;
    assert.equal(
      both,
      [
        `${host}/team/app@${app.digest}: Pulling from team/app`,
        `Digest: ${app.digest}`,
        `Status: Image is up to date for ${host}/team/app@${app.digest}`,
        `${host}/team/app:1@${app.digest}`,
        '',
      ].join('\n'),
    );
    const byTag = (await stowage('--root', root, 'pull', `${host}/team/app:1`)).stdout;
    assert.equal(
      byTag,
      ['1: Pulling from team/app', `Digest: ${app.digest}`, `Status: Downloaded newer image for ${host}/team/app:1`, `${host}/team/app:1`, ''].join('\n'),
    );
    assert.equal((await stowage('--root', root, 'pull', '-q', `${host}/team/app@${app.digest}`)).stdout, `${host}/team/app@${app.digest}\n`);
  });

  it('rmi prints what it untagged and deleted; prune -a empties the store', async () => {
    const out = (await stowage('rmi', `${host}/team/app:1`)).stdout.split('\n');
    assert.deepEqual(out.slice(0, 3), [`Untagged: ${host}/team/app:1`, `Untagged: ${host}/team/app@${app.digest}`, `Deleted: ${app.config.digest}`]);
    const pruned = (await stowage('image', 'prune', '-a', '-f')).stdout;
    assert.match(pruned, /^Deleted Images:\n/);
    assert.match(pruned, /Total reclaimed space: \d/);
    assert.equal((await stowage('images', '-q')).stdout, '');
    assert.match((await stowage('info')).stdout, /^Blobs: 0$/m);
  });
});
