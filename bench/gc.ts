import { execFile, spawn } from 'node:child_process';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { DISTRIBUTION_BIN, makeTempDir, startStowage } from '../test/support/process.js';
import { blobSetDifference, blobsOnDisk, type GcRootSummary, writeDistributionGcConfig, writeGcRoot } from './gc-data.js';
import { median, timeCommand, type Row } from './measure.js';
import { pushRandomImage, type BenchContext } from './scenarios.js';

const exec = promisify(execFile);
const GC_RUN = fileURLToPath(new URL('./gc-run.js', import.meta.url));

let generated: Promise<{ root: string; summary: GcRootSummary }> | undefined;

/** The data dir (2,000 repositories, 20,000 manifests, ~100,000 blobs), written once per bench run. */
function gcRoot(ctx: BenchContext): Promise<{ root: string; summary: GcRootSummary }> {
  generated ??= (async () => {
    const root = join(await makeTempDir('bench-gcdata-'), 'root');
    const began = performance.now();
    const summary = writeGcRoot({ root, repositories: ctx.quick ? 100 : 2000, manifestsPerRepository: 10, seed: 'bench-gc' });
    console.log(
      `  gc data: ${summary.repositories} repositories, ${summary.manifests} manifests (${summary.deletedManifests} deleted, ` +
        `${summary.untaggedManifests} untagged), ${summary.tags} tags, ${summary.blobs} blobs (${summary.blobs - summary.expected.size} unreferenced), ` +
        `written in ${((performance.now() - began) / 1000).toFixed(1)} s`,
    );
    return { root, summary };
  })();
  return generated;
}

async function copyOf(root: string, name: string): Promise<string> {
  const dest = join(await makeTempDir(`bench-gc-${name}-`), 'root');
  await exec('cp', ['-a', root, dest]);
  return dest;
}

/**
 * Scenario 9: offline GC of the same data, `docker-registry garbage-collect` (no `-m`, its
 * safe default) on one copy, Stowage's collector with no grace window on the other, whole
 * processes, alternating. Then the blob files left on both copies must be the same set: the
 * issue asks both to free exactly the same blobs. A mismatch shows in the row's note.
 */
export async function gcVsDistribution(ctx: BenchContext): Promise<Row> {
  const { root, summary } = await gcRoot(ctx);
  const stowage: number[] = [];
  const peer: number[] = [];
  let mismatches = 0;
  let freed = 0;
  for (let round = 0; round < ctx.rounds; round++) {
    const ours = await copyOf(root, 'stowage');
    const theirs = await copyOf(root, 'distribution');
    const config = join(theirs, '..', 'config.yml');
    await writeDistributionGcConfig(config, theirs);
    const sides = [
      async () => stowage.push(await timeCommand(process.execPath, [GC_RUN, ours, '--grace-ms', '0'])),
      async () => peer.push(await timeCommand(DISTRIBUTION_BIN, ['garbage-collect', config])),
    ];
    for (const side of round % 2 === 0 ? sides : [...sides].reverse()) await side();
    const left = { ours: blobsOnDisk(ours), theirs: blobsOnDisk(theirs) };
    const { onlyA, onlyB } = blobSetDifference(left.ours, left.theirs);
    mismatches = Math.max(mismatches, onlyA.length + onlyB.length);
    freed = summary.blobs - left.theirs.size;
    if (onlyA.length + onlyB.length > 0) {
      console.error(`  scenario 9: Stowage kept ${onlyA.length} blobs distribution freed, freed ${onlyB.length} it kept (first: ${[...onlyA, ...onlyB][0]})`);
    }
    await Promise.all([rm(join(ours, '..'), { recursive: true, force: true }), rm(join(theirs, '..'), { recursive: true, force: true })]);
  }
  return {
    scenario: `9 offline GC, ${summary.blobs} blobs / ${summary.manifests} manifests / ${summary.repositories} repos`,
    unit: 's',
    stowage: median(stowage),
    peer: median(peer),
    peerName: 'docker-registry garbage-collect',
    target: { ratio: 0.2, better: 'lower' },
    note: mismatches === 0 ? `same ${freed} blobs freed` : `MISMATCH: ${mismatches} blobs differ (must be 0)`,
  };
}

/**
 * Scenario 10: small images pushed by 8 parallel clients to `stowage serve` on the GC data,
 * with Stowage's collector looping over the same root (its own process, default grace, as
 * `stowage registry gc` beside a running server), and without. Images per second, alternating
 * on one copy (each round pushes to new repositories).
 */
export async function pushWhileGc(ctx: BenchContext): Promise<Row> {
  const { root } = await gcRoot(ctx);
  const data = await copyOf(root, 'serve');
  const images = ctx.quick ? 40 : 200;
  const server = await startStowage({ root: data, args: ['--log-level', 'error'] });
  const withGc: number[] = [];
  const without: number[] = [];
  let gcRuns = 0;
  try {
    const pushAll = async (label: string): Promise<number> => {
      let next = 0;
      const began = performance.now();
      const worker = async () => {
        for (let i = next++; i < images; i = next++) await pushRandomImage(server.url, `bench/${label}-${i}`, 64 * 1024);
      };
      await Promise.all(Array.from({ length: 8 }, worker));
      return images / ((performance.now() - began) / 1000);
    };
    for (let round = 0; round < ctx.rounds; round++) {
      const sides = [
        async () => without.push(await pushAll(`plain${round}`)),
        async () => {
          const loop = startGcLoop(data);
          try {
            withGc.push(await pushAll(`gc${round}`));
          } finally {
            gcRuns += await loop.stop();
          }
        },
      ];
      for (const side of round % 2 === 0 ? sides : [...sides].reverse()) await side();
    }
  } finally {
    await server.stop();
  }
  return {
    scenario: `10 push throughput while GC loops (${images} images × 64 KiB, 8 clients)`,
    unit: 'images/s',
    stowage: median(withGc),
    peer: median(without),
    peerName: 'without GC',
    target: { ratio: 0.9, better: 'higher' },
    note: `${gcRuns} GC runs completed during the pushes`,
  };
}

/** `gc-run.js ROOT --loop`; stop() ends it with SIGTERM and resolves with the runs it completed. */
function startGcLoop(root: string): { stop(): Promise<number> } {
  const child = spawn(process.execPath, [GC_RUN, root, '--loop'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return {
    async stop() {
      if (child.exitCode === null) child.kill('SIGTERM');
      const code = await exited;
      if (code !== 0) throw new Error(`the GC loop failed (exit ${code}): ${stderr.trim().slice(-300)}`);
      return (JSON.parse(stdout.trim().split('\n').pop() ?? '{}') as { runs?: number }).runs ?? 0;
    },
  };
}
