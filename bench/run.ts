import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { makeTempDir, removeTempDirs, stopAll } from '../test/support/process.js';
import { writeBenchImage } from './images.js';
import { machineLimits } from './machine.js';
import { formatTable, type Row } from './measure.js';
import { exportVerbs } from './export.js';
import * as scenarios from './scenarios.js';
import { dockerRootVerbs } from './dockerroot.js';
import { gcVsDistribution, pushWhileGc } from './gc.js';
import { coldPullThroughCache, concurrentColdPulls, warmPullFromCache } from './proxy.js';
import { registryDu } from './registry-du.js';
import { catalogOnS3 } from './catalog.js';
import { observabilityOverhead } from './observability.js';
import { replicaScaling } from './replicas.js';
import { pullOnS3, pushOnS3 } from './s3.js';

/**
 * `npm run bench [-- --quick] [-- --only 1,3]`: Stowage against CNCF distribution and skopeo on
 * this machine, alternating, medians of several rounds, ratios against the targets.
 * Not a test: it prints figures and exits 0 unless a scenario could not run.
 */
async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const quick = args.includes('--quick');
  const only = args.includes('--only') ? (args[args.indexOf('--only') + 1] ?? '').split(',') : undefined;
  const dir = await makeTempDir('stowage-bench-');
  console.log(`Stowage benchmark (${quick ? 'quick: small sizes, 1 round' : 'full: 3 rounds'}), Node.js ${process.version}, ${new Date().toISOString()}`);
  for (const line of await machineLimits(dir)) console.log(`  ${line}`);

  const layerBytes = quick ? 4 * 1024 * 1024 : 80 * 1024 * 1024;
  await mkdir(join(dir, 'images'), { recursive: true });
  const small = join(dir, 'images', 'small');
  const large = join(dir, 'images', 'large');
  await writeBenchImage(small, { seed: 'small', layers: 2, layerBytes: 1024 * 1024, tag: 'img' });
  const big = await writeBenchImage(large, { seed: 'large', layers: 5, layerBytes, tag: 'img' });
  console.log(`  images: small 2×1 MiB, large 5×${layerBytes >> 20} MiB uncompressed (${(big.bytes / 1e6).toFixed(0)} MB compressed)\n`);

  const ctx: scenarios.BenchContext = { quick, rounds: quick ? 1 : 3, small, large, largeBytes: big.bytes };
  const plan: Array<[string, () => Promise<Row | Row[]>]> = [
    ['1', () => scenarios.pushWithSkopeo(ctx)],
    ['2', () => scenarios.pullWithSkopeo(ctx)],
    ['3', () => scenarios.stowagePullVsSkopeo(ctx)],
    ['4', () => scenarios.requestRates(ctx)],
    ['5', () => scenarios.parallelPushes(ctx)],
    ['6', () => scenarios.serverMemory(ctx)],
    ['7', () => scenarios.storeVerbs(ctx)],
    ['8', () => dockerRootVerbs(ctx)],
    ['9', () => gcVsDistribution(ctx)],
    ['10', () => pushWhileGc(ctx)],
    ['11', () => registryDu(ctx)],
    ['12', () => coldPullThroughCache(ctx)],
    ['13', () => warmPullFromCache(ctx)],
    ['14', () => concurrentColdPulls(ctx)],
    ['15', () => pushOnS3(ctx)],
    ['16', () => pullOnS3(ctx)],
    ['17', () => catalogOnS3(ctx)],
    ['18', () => replicaScaling(ctx)],
    ['19', () => observabilityOverhead(ctx)],
    ['20', () => exportVerbs(ctx)],
  ];
  const rows: Row[] = [];
  let failed = false;
  for (const [id, run] of plan) {
    if (only && !only.includes(id)) continue;
    try {
      const result = await run();
      rows.push(...(Array.isArray(result) ? result : [result]));
    } catch (err) {
      failed = true;
      console.error(`scenario ${id} could not run: ${(err as Error).message}`);
    } finally {
      await stopAll();
    }
  }
  console.log(formatTable(rows));
  await removeTempDirs();
  process.exitCode = failed ? 1 : 0;
}

void main();
