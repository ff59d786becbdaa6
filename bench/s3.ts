import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type Rgw, startRgw } from '../test/support/ceph-rgw.js';
import { makeTempDir, type ServerHandle, startDistribution, startStowage } from '../test/support/process.js';
import { alternate, timeCommand, type Row } from './measure.js';
import type { BenchContext } from './scenarios.js';

/**
 * Scenarios 15 and 16: both registries on their S3 driver over a one-node Ceph RADOS Gateway
 * (memstore, test/support/ceph-rgw.ts), each with its defaults (blob GETs redirected to
 * presigned URLs). A fresh gateway per round: memstore keeps deleted objects in memory.
 */
type Side = 'stowage' | 'peer';

async function serverOn(side: Side, rgw: Rgw): Promise<ServerHandle> {
  const bucket = await rgw.createBucket();
  if (side === 'peer') return startDistribution({ root: '', storage: rgw.yaml(bucket), deleteEnabled: true });
  const config = join(await makeTempDir('bench-s3-conf-'), 'config.yml');
  await writeFile(config, `version: 0.1\nstorage:\n  ${rgw.yaml(bucket)}\n  delete:\n    enabled: true\n`);
  return startStowage({ config, args: ['--log-level', 'error'] });
}

async function withS3Server<T>(side: Side, work: (server: ServerHandle) => Promise<T>): Promise<T> {
  const rgw = await startRgw();
  try {
    const server = await serverOn(side, rgw);
    try {
      return await work(server);
    } finally {
      await server.stop();
    }
  } finally {
    await rgw.stop();
  }
}

const pushLarge = (ctx: BenchContext, server: ServerHandle): Promise<number> =>
  timeCommand('skopeo', ['copy', '-q', '--dest-tls-verify=false', `oci:${ctx.large}:img`, `docker://${server.host}/bench/large:1`]);

export async function pushOnS3(ctx: BenchContext): Promise<Row> {
  const push = (side: Side) => () => withS3Server(side, (server) => pushLarge(ctx, server));
  const r = await alternate(ctx.rounds, { stowage: push('stowage'), peer: push('peer') });
  return { scenario: '15 push on S3 (Ceph RGW), skopeo', unit: 's', ...r, peerName: 'distribution', target: { ratio: 0.3, better: 'lower' } };
}

export async function pullOnS3(ctx: BenchContext): Promise<Row> {
  const pull = (side: Side) => () =>
    withS3Server(side, async (server) => {
      await pushLarge(ctx, server);
      const out = join(await makeTempDir('bench-s3-pull-'), 'oci');
      return timeCommand('skopeo', ['copy', '-q', '--src-tls-verify=false', `docker://${server.host}/bench/large:1`, `oci:${out}:img`]);
    });
  const r = await alternate(ctx.rounds, { stowage: pull('stowage'), peer: pull('peer') });
  return { scenario: '16 pull on S3 (Ceph RGW), skopeo', unit: 's', ...r, peerName: 'distribution', target: { ratio: 0.9, better: 'lower' } };
}
