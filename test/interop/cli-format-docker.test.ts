// --format against the docker CLI itself: the same images pulled from one registry into a
// dockerd of our own (Debian's 20.10, driven by the docker CLI on this machine) and into a
// Stowage store; then the same templates through `docker image inspect` / `docker images` /
// `docker history` / `docker system df` and through `stowage image inspect`, `stowage images`,
// `stowage history`, and `stowage docker inspect|images|df` over the daemon's root. Outputs
// must be identical, errors included (ours carry the "stowage: " prefix).

import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { DOCKER_BIN, startDockerd, type Dockerd } from '../support/dockerd.js';
import { writeImageLayout } from '../support/oci-layout.js';
import { STOWAGE_CLI, makeTempDir, removeTempDirs, run, skopeo, stopAll, type RunResult } from '../support/process.js';
import { startRegistry, type TestRegistry } from '../support/registry.js';

const INSPECT_TEMPLATES = [
  '{{.Id}} {{.ID}}',
  '{{index .RepoDigests 0}}',
  '{{range .RepoTags}}{{.}} {{end}}',
  '{{range $i, $d := .RepoDigests}}{{$i}}={{$d}}{{end}}',
  '{{json .Config.Labels}} {{json .Config.Env}} {{.Config.Cmd}} {{.Config.Entrypoint}} {{.Config.User}}|',
  '{{json .Config}}',
  '{{if eq .Os "linux"}}{{.Architecture}}{{else}}?{{end}} {{len .RootFS.Layers}} {{printf "%-8s|%q|%5.1f" .Os .Architecture 2.25}}',
  '{{range $i, $l := .RootFS.Layers}}{{if $i}},{{end}}{{$i}}:{{slice $l 7 19}}{{end}}',
  '{{.Config.Labels.nope}} {{index .Config.Labels "org.stowage.fixture.seed"}} {{upper .Os}} {{join .Config.Cmd "+"}}',
  '{{json .RootFS}} {{.RootFS.Type}}',
  '{{printf "%T %T %T" .Size .Id .RepoTags}}',
  '{{with .Config.Entrypoint}}has{{else}}none{{end}} {{with .Config}}{{len .Env}}{{end}}',
  '{{- /* a comment */ -}} {{.Os -}} ! {{- .Architecture}}',
  '{{index .RepoTags 1}}',
  '{{.Nope}}',
  '{{eq .Size "x"}}',
  '{{nope .Os}}',
  '{{if .Os}}unclosed',
];

const LIST_TEMPLATES = [
  '{{.Repository}}:{{.Tag}} {{.ID}} {{.Digest}}',
  'table {{.Repository}}\\t{{.Tag}}\\t{{len .ID}}\\t{{upper .Digest}}',
  '{{if eq .Tag "1"}}one{{else}}{{.Tag}}{{end}} {{printf "%.5s" .Repository}} {{json .Repository}}',
  'table {{.Repository}}:{{.Tag}}\\t{{json .Digest}}',
  '{{.Nope}}',
];

describe('--format prints what the docker CLI prints', () => {
  let dir: string;
  let registry: TestRegistry;
  let host: string;
  let dockerd: Dockerd;
  const refs: string[] = [];
  const storeEnv = (): NodeJS.ProcessEnv => ({ ...process.env, STOWAGE_ROOT: join(dir, 'store') });
  const stowage = (...args: string[]): Promise<RunResult> => run(process.execPath, [STOWAGE_CLI, ...args], { env: storeEnv(), timeoutMs: 120_000 });
  const docker = (...args: string[]): Promise<RunResult> =>
    run(DOCKER_BIN, args, { env: { ...process.env, DOCKER_HOST: `unix://${dockerd.socket}` }, timeoutMs: 120_000 });

  /** What a user sees: stdout, stderr without our prefix, and whether it failed. */
  const seen = (r: RunResult): { stdout: string; stderr: string; failed: boolean } => ({
    stdout: r.stdout,
    stderr: r.stderr.replace(/^stowage: /gm, ''),
    failed: r.code !== 0,
  });

  before(async () => {
    dir = await makeTempDir('stowage-format-interop-');
    registry = await startRegistry();
    host = new URL(registry.url).host;
    const src = join(dir, 'src');
    await writeImageLayout(src, { layers: 2, seed: 'format-interop', tag: 'base' });
    await writeImageLayout(src, { layers: 3, seed: 'format-interop', tag: 'app' });
    for (const [tag, name] of [
      ['base', 'lib/base:1'],
      ['app', 'team/app:1'],
      ['app', 'team/app:2'],
    ] as const) {
      await skopeo(['copy', '--dest-tls-verify=false', `oci:${src}:${tag}`, `docker://${host}/${name}`]);
      refs.push(`${host}/${name}`);
    }
    dockerd = await startDockerd('vfs');
    for (const ref of refs) {
      assert.equal((await docker('pull', '-q', ref)).code, 0);
      assert.equal((await stowage('pull', '-q', ref)).code, 0);
    }
  });

  after(async () => {
    await dockerd?.stop();
    await registry?.close();
    await stopAll();
    await removeTempDirs();
  });

  for (const template of INSPECT_TEMPLATES) {
    it(`image inspect --format ${JSON.stringify(template)}`, async () => {
      const ref = `${host}/team/app:1`;
      const theirs = seen(await docker('image', 'inspect', '--format', template, ref));
      assert.deepEqual(seen(await stowage('image', 'inspect', '--format', template, ref)), theirs, 'stowage image inspect');
      const root = await stowage('docker', 'inspect', '--format', template, ref, '--docker-root', dockerd.root);
      assert.deepEqual(seen(root), theirs, 'stowage docker inspect');
    });
  }

  it('image inspect of an image that is not there: [] or an empty line, and a failure', async () => {
    for (const args of [[], ['--format', '{{.Id}}'], ['--format', 'json']]) {
      const theirs = await docker('image', 'inspect', ...args, `${host}/nope:1`);
      const ours = await stowage('image', 'inspect', ...args, `${host}/nope:1`);
      const root = await stowage('docker', 'inspect', ...args, `${host}/nope:1`, '--docker-root', dockerd.root);
      assert.equal(ours.stdout, theirs.stdout, `stowage image inspect ${args.join(' ')}`);
      assert.equal(root.stdout, theirs.stdout, `stowage docker inspect ${args.join(' ')}`);
      assert.ok(theirs.code !== 0 && ours.code !== 0 && root.code !== 0);
    }
  });

  for (const template of LIST_TEMPLATES) {
    it(`images --digests --format ${JSON.stringify(template)}`, async () => {
      // Rows come in the daemon's order (creation time, ties unordered): compare them as sets,
      // a table's header first.
      const rows = (r: RunResult): { head: string; body: string[]; stderr: string; failed: boolean } => {
        const { stdout, stderr, failed } = seen(r);
        const lines = stdout.split('\n');
        return template.startsWith('table')
          ? { head: lines[0] ?? '', body: lines.slice(1).sort(), stderr, failed }
          : { head: '', body: lines.sort(), stderr, failed };
      };
      const theirs = rows(await docker('images', '--digests', '--format', template));
      assert.deepEqual(rows(await stowage('images', '--digests', '--format', template)), theirs, 'stowage images');
      assert.deepEqual(
        rows(await stowage('docker', 'images', '--digests', '--format', template, '--docker-root', dockerd.root)),
        theirs,
        'stowage docker images',
      );
    });
  }

  it('images of nothing: json and templates print nothing, a table its header', async () => {
    for (const format of ['json', '{{.ID}}', 'table {{.Repository}}\\t{{.Nope}}', 'table']) {
      const theirs = await docker('images', '--format', format, 'nothing/here');
      assert.equal((await stowage('images', '--format', format, 'nothing/here')).stdout, theirs.stdout, format);
      assert.equal((await stowage('docker', 'images', '--format', format, 'nothing/here', '--docker-root', dockerd.root)).stdout, theirs.stdout, format);
    }
  });

  it('history and system df templates', async () => {
    const ref = `${host}/team/app:1`;
    for (const format of ['{{.ID}}|{{.CreatedBy}}|{{.Comment}}', 'table {{.ID}}\\t{{.CreatedBy}}\\t{{if .Comment}}{{.Comment}}{{else}}-{{end}}']) {
      assert.equal((await stowage('history', '--format', format, ref)).stdout, (await docker('history', '--format', format, ref)).stdout, format);
    }
    for (const format of ['{{.Type}}={{.TotalCount}}/{{.Active}}', 'table {{.Type}}\\t{{.TotalCount}}', '{{json .Type}}']) {
      assert.equal(
        (await stowage('docker', 'df', '--format', format, '--docker-root', dockerd.root)).stdout,
        (await docker('system', 'df', '--format', format)).stdout,
        format,
      );
    }
    const verbose = '{{range .Images}}{{.Repository}}:{{.Tag}} {{end}}|{{len .Containers}} {{len .Volumes}} {{len .BuildCache}}';
    const sorted = (s: string): string =>
      s
        .split('|')
        .map((part) => part.split(' ').sort().join(' '))
        .join('|');
    assert.equal(
      sorted((await stowage('docker', 'df', '-v', '--format', verbose, '--docker-root', dockerd.root)).stdout),
      sorted((await docker('system', 'df', '-v', '--format', verbose)).stdout),
    );
  });
});
