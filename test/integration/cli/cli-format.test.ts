// `--format` on every verb that takes it, through the CLI: the local store's verbs over images
// pulled from a registry (so they have RepoDigests), `stowage docker …` over a Docker root
// written from the formats. Each takes docker's Go templates (index, range, if, printf, json,
// table) and the forms docker has (json, table, table TEMPLATE), and fails as docker does.

import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { GraphRootBuilder, type FixtureImage } from '../../support/graph-root.js';
import type { BuiltImage } from '../../support/oci-layout.js';
import { STOWAGE_CLI, makeTempDir, removeTempDirs, run, runOk, type RunResult } from '../../support/process.js';
import { startRegistry, type TestRegistry } from '../../support/registry.js';
import { pullBaseAndApp } from '../../support/base-app.js';

describe('--format on the store verbs', () => {
  let reg: TestRegistry;
  let dir: string;
  let host: string;
  let app: BuiltImage;
  const env = (): NodeJS.ProcessEnv => ({ ...process.env, STOWAGE_ROOT: join(dir, 'root') });
  const stowage = (...args: string[]): Promise<RunResult> => runOk(process.execPath, [STOWAGE_CLI, ...args], { env: env(), timeoutMs: 60_000 });
  const fails = (...args: string[]): Promise<RunResult> => run(process.execPath, [STOWAGE_CLI, ...args], { env: env(), timeoutMs: 60_000 });

  before(async () => {
    reg = await startRegistry();
    host = new URL(reg.url).host;
    dir = await makeTempDir('stowage-cli-format-');
    ({ app } = await pullBaseAndApp(stowage, dir, host, { seed: 'format' }));
    await stowage('tag', `${host}/team/app:1`, `${host}/team/app:2`);
  });
  after(async () => {
    await reg.close();
    await removeTempDirs();
  });

  it('image inspect: index, range, if/else, printf, json, and the json shorthand', async () => {
    const ref = `${host}/team/app:1`;
    const out = async (format: string): Promise<string> => (await stowage('image', 'inspect', '--format', format, ref)).stdout;
    assert.equal(await out('{{index .RepoDigests 0}}'), `${host}/team/app@${app.digest}\n`);
    assert.equal(await out('{{range .RepoTags}}{{.}} {{end}}'), `${host}/team/app:1 ${host}/team/app:2 \n`);
    assert.equal(await out('{{range $i, $t := .RepoTags}}{{if $i}},{{end}}{{$t}}{{end}}'), `${host}/team/app:1,${host}/team/app:2\n`);
    assert.equal(await out('{{if eq .Os "windows"}}win{{else if eq .Architecture "amd64"}}{{len .RootFS.Layers}} layers{{else}}?{{end}}'), '3 layers\n');
    assert.match(await out('{{printf "%.12s|%T|%d" .ID .Size .Size}}'), new RegExp(`^${app.config.digest.slice(0, 12)}\\|int64\\|\\d+\n$`));
    // .Id is the JSON name, not the Go field: docker runs such a template over the raw JSON, where numbers are json.Number.
    assert.equal(await out('{{printf "%.12s|%T" .Id .Size}}'), `${app.config.digest.slice(0, 12)}|json.Number\n`);
    assert.deepEqual(
      JSON.parse(await out('{{json .RootFS.Layers}}')),
      app.layers.map((l) => l.diffId),
    );
    assert.equal((await stowage('image', 'inspect', '-f', '{{.Config.Entrypoint}}', ref)).stdout, '[]\n', 'a nil slice prints [] as in docker');
    const compact = await out('json');
    assert.ok(compact.startsWith('[{"Id":') && compact.endsWith('}]\n') && !compact.slice(0, -1).includes('\n'), 'json: the array on one line');
    assert.equal((JSON.parse(compact) as Array<{ Id: string }>)[0]?.Id, app.config.digest);
  });

  it('image inspect: what is not there', async () => {
    const none = await fails('image', 'inspect', `${host}/nope:1`);
    assert.equal(none.stdout, '[]\n');
    assert.equal(none.code, 1);
    const template = await fails('image', 'inspect', '--format', '{{.Id}}', `${host}/nope:1`);
    assert.equal(template.stdout, '\n', 'docker prints an empty line when a template had nothing to run on');
    assert.equal(template.code, 1);
    const base1 = `${host}/lib/base:1`;
    const outOfRange = await fails('image', 'inspect', '--format', '{{index .RepoTags 1}}', base1);
    assert.equal(outOfRange.code, 1);
    assert.match(outOfRange.stderr, /executing "" at <index \.RepoTags 1>: error calling index: reflect: slice index out of range/);
    const unknown = await fails('image', 'inspect', '--format', '{{.Nope}}', base1);
    assert.match(unknown.stderr, /at <\.Nope>: map has no entry for key "Nope"/);
    const unsupported = await fails('image', 'inspect', '--format', '{{nope .Id}}', base1);
    assert.match(unsupported.stderr, /template parsing error: template: :1: function "nope" not defined/);
  });

  it('images: templates, table, json, and an empty list', async () => {
    const lines = (await stowage('images', '--format', '{{if eq .Repository "' + host + '/team/app"}}app{{else}}{{.Repository}}{{end}}:{{.Tag}}')).stdout
      .trim()
      .split('\n')
      .sort();
    assert.deepEqual(lines, ['app:1', 'app:2', `${host}/lib/base:1`].sort());
    const table = (await stowage('images', '--format', 'table {{.Repository}}\\t{{upper .Tag}}\\t{{len .ID}}')).stdout.split('\n');
    assert.match(
      table[0] ?? '',
      /^REPOSITORY\s+TAG\s+8$/,
      'the header runs the template over the column names: docker\'s header for len .ID is len "IMAGE ID"',
    );
    assert.ok(
      table.slice(1, 4).every((l) => /\s12$/.test(l)),
      table.join('\n'),
    );
    const rows = (await stowage('images', '--format', 'json')).stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, string>);
    assert.equal(rows.length, 3);
    assert.ok(rows.every((r) => r.ID?.length === 12 && typeof r.CreatedSince === 'string'));
    assert.match((await fails('images', '--format', '{{index .RepoDigests 0}}')).stderr, /can't evaluate field RepoDigests in type \*formatter\.imageContext/);
    const empty = ['--filter', 'reference=nothing/*'];
    assert.equal((await stowage('images', ...empty, '--format', 'json')).stdout, '');
    assert.equal((await stowage('images', ...empty, '--format', '{{.ID}}')).stdout, '');
    assert.match((await stowage('images', ...empty, '--format', 'table {{.Repository}}\\t{{.ID}}')).stdout, /^REPOSITORY\s+IMAGE ID\n$/);
  });

  it('history: templates, table and json', async () => {
    const ref = `${host}/team/app:1`;
    const ids = (await stowage('history', '--format', '{{.ID}}|{{if .Comment}}c{{else}}-{{end}}', ref)).stdout.trim().split('\n');
    assert.match(ids[0] ?? '', new RegExp(`^${app.config.digest.slice(7, 19)}\\|[c-]$`));
    assert.ok(
      ids.slice(1).every((l) => /^<missing>\|[c-]$/.test(l)),
      ids.join('\n'),
    );
    const table = (await stowage('history', '--format', 'table {{.ID}}\\t{{.Size}}', ref)).stdout.split('\n');
    assert.match(table[0] ?? '', /^IMAGE\s+SIZE$/);
    const json = (await stowage('history', '--format', 'json', ref)).stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, string>);
    assert.ok(json.length >= 3 && json.every((r) => 'CreatedBy' in r));
  });

  it('system df: summary templates, and -v with a template over the whole context', async () => {
    const types = (await stowage('system', 'df', '--format', '{{.Type}}={{.TotalCount}}')).stdout.trim().split('\n');
    assert.deepEqual(types.slice(0, 4), ['Images=2', 'Containers=0', 'Local Volumes=0', 'Build Cache=0']);
    const verbose = (await stowage('system', 'df', '-v', '--format', '{{range .Images}}{{.Tag}} {{end}}{{len .Containers}}')).stdout;
    assert.match(verbose, /^(1|2) (1|2) 0$/, 'no newline after, as docker');
    const json = JSON.parse((await stowage('system', 'df', '-v', '--format', 'json')).stdout) as { Images: unknown[]; BuildCache: unknown[] };
    assert.equal(json.Images.length, 2);
    assert.deepEqual(json.BuildCache, []);
  });

  it('tags and info', async () => {
    const repo = `${host}/team/app`;
    assert.deepEqual((await stowage('tags', '--format', '{{.Repository}}:{{.Tag}}', repo)).stdout.trim().split('\n').sort(), [`${repo}:1`]);
    assert.match((await stowage('tags', '--format', 'table', repo)).stdout, new RegExp(`^REPOSITORY\\s+TAG\\n${repo}\\s+1\\n$`));
    assert.deepEqual(JSON.parse((await stowage('tags', '--format', 'json', repo)).stdout), { Repository: repo, Tags: ['1'] });
    assert.equal((await stowage('info', '--format', '{{.Images}} {{printf "%T" .BlobBytes}}')).stdout, '2 int64\n');
    assert.match((await fails('info', '--format', '{{.Nope}}')).stderr, /can't evaluate field Nope in type stowage\.StoreInfo/);
  });
});

describe('--format on stowage docker …', () => {
  let root: string;
  let alpine: FixtureImage;
  const docker = (...args: string[]): Promise<RunResult> =>
    runOk(process.execPath, [STOWAGE_CLI, 'docker', ...args, '--docker-root', root], { timeoutMs: 60_000 });
  const fails = (...args: string[]): Promise<RunResult> =>
    run(process.execPath, [STOWAGE_CLI, 'docker', ...args, '--docker-root', root], { timeoutMs: 60_000 });

  before(async () => {
    root = await makeTempDir('stowage-cli-format-docker-');
    const builder = new GraphRootBuilder(root);
    const l1 = await builder.layer(undefined, 'one', { a: 'x' });
    const l2 = await builder.layer(l1, 'two', { b: 'yy' });
    alpine = await builder.image([l1], ['alpine:latest', `alpine@sha256:${'a'.repeat(64)}`, 'alpine:3']);
    await builder.image([l1, l2], ['example.com:5000/team/app:1']);
  });
  after(removeTempDirs);

  it('inspect: index, range, json, the raw fallback for our own fields, and nothing found', async () => {
    const out = async (format: string): Promise<string> => (await docker('inspect', '--format', format, 'alpine')).stdout;
    assert.equal(await out('{{index .RepoDigests 0}}'), `alpine@sha256:${'a'.repeat(64)}\n`);
    assert.deepEqual((await out('{{range .RepoTags}}{{.}} {{end}}')).trim().split(' ').sort(), ['alpine:3', 'alpine:latest']);
    assert.equal(await out('{{.Config.Labels.team}} {{json .Config.Cmd}} {{.Stowage.Store}}'), 'a ["/bin/sh"] overlay2\n');
    assert.equal(await out('{{len .Stowage.Layers}} {{(index .Stowage.Layers 0).DiffID}}'), `1 ${alpine.layers[0]?.diffId}\n`);
    const missing = await fails('inspect', 'nope');
    assert.equal(missing.stdout, '[]\n');
    assert.equal(missing.code, 1);
  });

  it('images, df, locate and info', async () => {
    assert.deepEqual((await docker('images', '--format', '{{.Repository}}:{{.Tag}}')).stdout.trim().split('\n').sort(), [
      'alpine:3',
      'alpine:latest',
      'example.com:5000/team/app:1',
    ]);
    assert.match(
      (await docker('images', '--format', 'table {{.Repository}}\\t{{.Tag}}', 'example.com:5000/*/*')).stdout,
      /^REPOSITORY\s+TAG\nexample\.com:5000\/team\/app\s+1\n$/,
    );
    assert.equal((await docker('images', '--format', 'json', 'nothing')).stdout, '');
    assert.equal((await docker('df', '--format', '{{if eq .Type "Images"}}{{.TotalCount}}{{end}}')).stdout, '2\n\n\n\n');
    assert.match(
      (await docker('df', '-v', '--format', '{{range .Images}}{{.Repository}} {{end}}')).stdout,
      /^(alpine|example\.com:5000\/team\/app) (alpine|example\.com:5000\/team\/app) $/,
    );
    assert.equal((await docker('locate', '--format', '{{.Kind}} {{.Id}}', alpine.id.slice(7, 19))).stdout, `image ${alpine.id}\n`);
    assert.equal((await docker('info', '--format', '{{.Images}} {{.Driver}} {{.DockerRootDir}}')).stdout, `2 overlay2 ${root}\n`);
    assert.match((await fails('info', '--format', '{{.Nope}}')).stderr, /can't evaluate field Nope/);
  });
});
