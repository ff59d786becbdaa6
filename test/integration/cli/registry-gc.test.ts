/**
 * `stowage registry gc` through the built CLI. Most runs swap the collector for a fake
 * (test/support/fake-collect.ts, loaded by module hooks) to test what surrounds it: the config
 * and flags → the options, the report as text and JSON, progress on a terminal only, the error
 * lines. The last suite runs the real collector beside a running server.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { GcReport } from '../../../src/registry/gc/index.js';
import { Registry } from '../../../src/registry/server/registry.js';
import { HttpClient } from '../../support/http.js';
import { age, sampleReport } from '../../support/gc.js';
import { STOWAGE_CLI, makeTempDir, removeTempDirs } from '../../support/process.js';
import { spawnPty } from '../../support/pty.js';
import { blobDataPath, exists, pushImage, sha256 } from '../../support/registry-images.js';

const exec = promisify(execFile);
const FAKE = fileURLToPath(new URL('../../support/fake-collect-register.js', import.meta.url));

const REPORT: GcReport = sampleReport(340_200_000);

interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

/** The CLI, with the fake collector unless `real`. */
async function stowage(args: string[], env: NodeJS.ProcessEnv = {}, options: { real?: boolean; cwd?: string } = {}): Promise<Result> {
  // --no-deprecation: module.register() (the fake's loader) is deprecated from Node 26 on, and its warning would be stderr.
  const node = options.real ? [STOWAGE_CLI] : ['--no-deprecation', '--import', FAKE, STOWAGE_CLI];
  try {
    const { stdout, stderr } = await exec(process.execPath, [...node, ...args], {
      timeout: 30_000,
      env: { ...process.env, FAKE_GC_REPORT: JSON.stringify(REPORT), ...env },
      ...(options.cwd ? { cwd: options.cwd } : {}),
    });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as Result & { code: number | string };
    if (typeof e.code !== 'number') throw err;
    return e;
  }
}

describe('stowage registry gc (fake collector)', () => {
  let dir: string;
  let root: string;
  let asked: string;
  before(async () => {
    dir = await makeTempDir('stowage-registry-gc-');
    root = join(dir, 'data');
    await mkdir(root);
    asked = join(dir, 'asked.json');
  });
  after(removeTempDirs);

  let n = 0;
  const config = async (text: string): Promise<string> => {
    const path = join(dir, `c${n++}.yml`);
    await writeFile(path, `storage:\n  filesystem:\n    rootdirectory: ${root}\n${text}`);
    return path;
  };
  const options = async (): Promise<Record<string, unknown>> => JSON.parse(await readFile(asked, 'utf8')) as Record<string, unknown>;

  it("runs with the config's settings, the flags over them, and prints what would go", async () => {
    const path = await config(
      [
        '  maintenance:',
        '    gc:',
        '      grace: 10m',
        '      untagged:',
        '        age: 72h',
        '    retention:',
        "      - repositories: ['team/**']",
        '        keeplast: 3',
        '',
      ].join('\n'),
    );
    const plain = await stowage(['registry', 'gc', path], { FAKE_GC_OPTIONS: asked });
    assert.equal(plain.code, 0, plain.stderr);
    assert.deepEqual(await options(), {
      graceMs: 600_000,
      dryRun: false,
      untagged: { delete: false, ageMs: 72 * 3_600_000 },
      retention: [{ repositories: ['team/**'], keepLast: 3 }],
      driver: 'filesystem',
      progress: false,
      signal: true,
    });
    assert.equal(
      plain.stdout,
      [
        'Deleted 7 blobs (340.2MB), 2 manifests, 1 tag in 1.2s',
        `  untagged team/app:old (sha256:${'a'.repeat(64)})`,
        'Kept 1 unreferenced blob written or used within the last 10m (the grace window): a later run frees them',
        'Kept 20 blobs, 5 manifests in 3 repositories',
        '',
      ].join('\n'),
    );
    assert.equal(plain.stderr, '', 'no progress when stderr is no terminal');

    const flagged = await stowage(['registry', 'gc', path, '--dry-run', '--delete-untagged', '--grace', '30s'], { FAKE_GC_OPTIONS: asked });
    assert.equal(flagged.code, 0, flagged.stderr);
    const given = await options();
    assert.deepEqual([given.graceMs, given.dryRun, given.untagged], [30_000, true, { delete: true, ageMs: 72 * 3_600_000 }]);
    assert.match(flagged.stdout, /^Would delete 7 blobs \(340\.2MB\), 2 manifests, 1 tag in 1\.2s\n {2}would untag team\/app:old /);
  });

  it('prints the report as JSON with --format json', async () => {
    const res = await stowage(['registry', 'gc', '--root', root, '--format', 'json']);
    assert.equal(res.code, 0, res.stderr);
    assert.deepEqual(JSON.parse(res.stdout), REPORT);
  });

  it("collects serve's default root (./data) without a config, or --root", async () => {
    const here = await stowage(['registry', 'gc'], { FAKE_GC_OPTIONS: asked }, { cwd: dir });
    assert.equal(here.code, 0, here.stderr);
    assert.deepEqual((await options()).graceMs, 3_600_000, "serve's default grace");
    const missing = join(dir, 'nowhere');
    const res = await stowage(['registry', 'gc', '--root', missing]);
    assert.deepEqual([res.code, res.stderr], [1, `stowage: no registry root at ${missing} (ENOENT)\n`]);
  });

  it('answers each error with one line and exit code 1', async () => {
    const running = await stowage(['registry', 'gc', '--root', root], { FAKE_GC_MODE: 'running' });
    assert.deepEqual([running.code, running.stdout, running.stderr], [1, '', `stowage: another garbage collection is running on ${root}\n`]);
    const typo = await config('  maintenance:\n    gc:\n      graec: 1h\n');
    const strict = await stowage(['registry', 'gc', typo]);
    assert.deepEqual(
      [strict.code, strict.stderr],
      [1, `stowage: config file ${typo}: unknown key storage.maintenance.gc.graec (did you mean storage.maintenance.gc.grace?)\n`],
    );
    const grace = await stowage(['registry', 'gc', '--root', root, '--grace', 'soon']);
    assert.deepEqual([grace.code, grace.stderr], [1, 'stowage: --grace: invalid duration "soon"\n']);
    const format = await stowage(['registry', 'gc', '--root', root, '--format', 'yaml']);
    assert.deepEqual([format.code, format.stderr], [1, 'stowage: --format: expected text or json, not "yaml"\n']);
    const memory = join(dir, 'memory.yml');
    await writeFile(memory, 'storage:\n  inmemory:\n');
    const inmemory = await stowage(['registry', 'gc', memory]);
    assert.deepEqual(
      [inmemory.code, inmemory.stderr],
      [1, 'stowage: stowage registry gc collects a filesystem root, or an S3 bucket beside a database (database.dsn); the config names storage.inmemory\n'],
    );
  });

  it('says in its help that it is safe beside a running server', async () => {
    const help = await stowage(['registry', 'gc', '--help']);
    assert.match(help.stdout, /Safe while a server \(stowage serve\) runs on the same root/);
    assert.match(help.stdout, /--dry-run/);
    assert.match((await stowage(['registry', '--help'])).stdout, /gc \[options\] \[config\]/);
  });

  it('shows the phases on a terminal, then the report', async () => {
    const pty = spawnPty(process.execPath, ['--no-deprecation', '--import', FAKE, STOWAGE_CLI, 'registry', 'gc', '--root', root], {
      env: { ...process.env, FAKE_GC_REPORT: JSON.stringify(REPORT) },
    });
    assert.equal(await pty.exited, 0, pty.output());
    const screen = pty.output();
    for (const phase of ['recover', 'mark', 'blobs', 'links']) assert.ok(screen.includes(`${phase}: 3/3`), screen);
    assert.match(screen, /\r\x1b\[KDeleted 7 blobs/, 'the status line is cleared before the report');
  });
});

// NEEDS THE REAL COLLECTOR (src/registry/gc/collect.ts, the lead's): fails until it is merged.
describe('stowage registry gc (real collector, beside a running server)', () => {
  let root: string;
  let registry: Registry;
  let client: HttpClient;
  before(async () => {
    root = await makeTempDir('stowage-registry-gc-real-');
    registry = new Registry({ storage: { kind: 'filesystem', rootDirectory: root }, port: 0 });
    client = new HttpClient((await registry.start()).url);
  });
  after(async () => {
    await client.close();
    await registry.shutdown();
    await removeTempDirs();
  });

  it('frees what a deleted manifest alone used; the other tag still pulls', async () => {
    const kept = await pushImage(client, 'team/app', 'v1');
    const gone = await pushImage(client, 'team/app', 'v2');
    assert.equal((await client.delete(`/v2/team/app/manifests/${gone.digest}`)).status, 202);
    // Past the grace window and the touch interval, as if pushed two hours ago.
    await age(root, 2 * 3600_000);

    const dry = await stowage(['registry', 'gc', '--root', root, '--grace', '0s', '--dry-run', '--format', 'json'], {}, { real: true });
    assert.equal(dry.code, 0, dry.stderr);
    assert.ok((JSON.parse(dry.stdout) as GcReport).blobs.removed > 0, dry.stdout);
    for (const layer of gone.layers) assert.equal(await exists(blobDataPath(root, layer.digest)), true, 'a dry run deletes nothing');

    const res = await stowage(['registry', 'gc', '--root', root, '--grace', '0s'], {}, { real: true });
    assert.equal(res.code, 0, res.stderr);
    assert.match(res.stdout, /^Deleted [1-9]\d* blobs \(/);
    for (const layer of gone.layers) assert.equal(await exists(blobDataPath(root, layer.digest)), false, `${layer.digest} freed`);
    const manifest = await client.get('/v2/team/app/manifests/v1', { headers: { accept: kept.mediaType } });
    assert.equal(sha256(manifest.body), kept.digest);
    for (const blob of [kept.config, ...kept.layers]) assert.equal(sha256((await client.get(`/v2/team/app/blobs/${blob.digest}`)).body), blob.digest);
  });
});
