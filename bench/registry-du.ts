import { createHash } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { computeUsage } from '../src/registry/usage/index.js';
import { FilesystemDriver } from '../src/storage/fs/driver.js';
import { createLimiter } from '../src/transport/limiter.js';
import { makeTempDir, removeTempDirs } from '../test/support/process.js';
import { bundledCli, median, timeCommand, type Row } from './measure.js';
import type { BenchContext } from './scenarios.js';

/**
 * Scenario 11: `registry du` over 10,000 repositories (issue 14's target: ≤ 1 s). The root is
 * synthetic, written with fs directly (pushing 10,000 images would take the bench's whole
 * budget): each repository links 2 blobs of a shared pool of 50, 2 blobs of its own and a
 * manifest of its own. Cold is the first run (no cache files: every link read, every blob
 * stat'ed, every cache file written); warm is a run after it, through the library and through
 * the whole CLI process. There is no peer: distribution has no usage report.
 *
 * Alone: `node dist/bench/registry-du.js [--repositories N]`.
 */
export async function registryDu(ctx: Pick<BenchContext, 'quick' | 'rounds'>, repositories = ctx.quick ? 2000 : 10_000): Promise<Row[]> {
  const root = await makeTempDir('bench-du-');
  await writeRoot(root, repositories);
  const driver = new FilesystemDriver(root);
  const time = async (): Promise<number> => {
    const start = performance.now();
    const report = await computeUsage(driver);
    if (report.repositories.length !== repositories) throw new Error(`expected ${repositories} repositories, got ${report.repositories.length}`);
    return (performance.now() - start) / 1000;
  };
  const cold = await time();
  const warm: number[] = [];
  for (let round = 0; round < Math.max(ctx.rounds, 3); round++) warm.push(await time());
  const cli = await bundledCli();
  const config = join(root, 'config.yml');
  await writeFile(config, `version: 0.1\nstorage:\n  filesystem:\n    rootdirectory: ${root}\n`);
  const process_: number[] = [];
  for (let round = 0; round < Math.max(ctx.rounds, 3); round++) process_.push(await timeCommand(process.execPath, [cli, 'registry', 'du', config]));
  const row = (scenario: string, seconds: number, note?: string): Row => ({
    scenario,
    unit: 's',
    stowage: seconds,
    peer: Number.NaN,
    peerName: '(no peer)',
    target: { absolute: 1, better: 'lower' },
    ...(note ? { note } : {}),
  });
  return [
    row(`11a registry du, ${repositories} repositories, cold (no cache)`, cold, '(target is for warm)'),
    row(`11b registry du, ${repositories} repositories, warm (library)`, median(warm)),
    row(`11c stowage registry du, ${repositories} repositories, warm (whole CLI process)`, median(process_)),
  ];
}

/** distribution's layout: blobs/sha256/<xx>/<hex>/data, and per repository its layer and revision links. */
async function writeRoot(root: string, repositories: number): Promise<void> {
  const v2 = join(root, 'docker/registry/v2');
  const limit = createLimiter(64);
  const blob = async (content: string): Promise<string> => {
    const h = createHash('sha256').update(content).digest('hex');
    await mkdir(join(v2, 'blobs/sha256', h.slice(0, 2), h), { recursive: true });
    await writeFile(join(v2, 'blobs/sha256', h.slice(0, 2), h, 'data'), content);
    return h;
  };
  const link = async (dir: string, h: string): Promise<void> => {
    await mkdir(join(dir, h), { recursive: true });
    await writeFile(join(dir, h, 'link'), `sha256:${h}`);
  };
  const pool = await Promise.all(Array.from({ length: 50 }, (_, i) => blob(`shared ${i} `.repeat(200 + i))));
  await Promise.all(
    Array.from({ length: repositories }, (_, i) =>
      limit(async () => {
        const repo = join(v2, 'repositories', `team${i % 100}`, `app${i}`);
        const own = await Promise.all([blob(`layer a ${i} `.repeat(50)), blob(`layer b ${i} `.repeat(80))]);
        const manifest = await blob(`{"manifest":${i},"layers":["${own.join('","')}"]}`);
        const layers = [pool[i % 50]!, pool[(i * 7 + 3) % 50]!, ...own];
        for (const h of new Set(layers)) await link(join(repo, '_layers/sha256'), h);
        await link(join(repo, '_manifests/revisions/sha256'), manifest);
        await mkdir(join(repo, '_manifests/tags/latest/current'), { recursive: true });
        await writeFile(join(repo, '_manifests/tags/latest/current/link'), `sha256:${manifest}`);
      }),
    ),
  );
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const at = process.argv.indexOf('--repositories');
  const count = at > 0 ? Number(process.argv[at + 1]) : 10_000;
  const rows = await registryDu({ quick: false, rounds: 3 }, count);
  for (const row of rows) console.log(`${row.scenario}: ${row.stowage.toFixed(3)} s${row.stowage <= 1 ? ' (≤ 1 s: met)' : ' (≤ 1 s: NOT met)'}`);
  await removeTempDirs();
}
