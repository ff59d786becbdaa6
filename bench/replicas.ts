import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { startRgw } from '../test/support/ceph-rgw.js';
import { startNginx } from '../test/support/nginx.js';
import { startPostgres } from '../test/support/postgres.js';
import { makeTempDir, skopeo, startStowage } from '../test/support/process.js';
import type { Row } from './measure.js';
import type { BenchContext } from './scenarios.js';

const exec = promisify(execFile);

/**
 * Scenario 18: manifest GETs through nginx (test/support/nginx.ts) to three `stowage serve`
 * replicas on one RGW bucket and one database, against the same nginx in front of one of them.
 * wrk with 64 connections, as scenario 4. Every process shares this machine's cores: the ratio
 * is bounded by them (bench/README.md), not by the replicas' independence.
 */
export async function replicaScaling(ctx: BenchContext): Promise<Row> {
  const seconds = ctx.quick ? 3 : 10;
  const [rgw, postgres] = await Promise.all([startRgw(), startPostgres()]);
  try {
    const bucket = await rgw.createBucket();
    const config = join(await makeTempDir('bench-replicas-conf-'), 'config.yml');
    await writeFile(config, `version: 0.1\nstorage:\n  ${rgw.yaml(bucket, 'replicas')}\ndatabase:\n  dsn: ${await postgres.createDatabase()}\n`);
    const replicas = [];
    // One at a time: the first binds the empty database to the bucket.
    for (let i = 0; i < 3; i++) replicas.push(await startStowage({ config, args: ['--log-level', 'error'] }));
    await skopeo(['copy', '-q', '--dest-tls-verify=false', `oci:${ctx.small}:img`, `docker://${replicas[0]!.host}/bench/small:1`]);
    const rate = async (upstreams: string[]): Promise<number> => {
      const nginx = await startNginx(upstreams);
      try {
        const script = join(await makeTempDir('bench-wrk-'), 'm.lua');
        await writeFile(script, 'wrk.method = "GET"\nwrk.headers["Accept"] = "application/vnd.oci.image.manifest.v1+json"\n');
        const { stdout } = await exec('wrk', ['-t2', '-c64', `-d${seconds}s`, '-s', script, `${nginx.url}/v2/bench/small/manifests/1`]);
        if (/Non-2xx/.test(stdout)) throw new Error(`wrk saw errors through nginx:\n${stdout}`);
        return Number(/Requests\/sec:\s+([\d.]+)/.exec(stdout)?.[1]);
      } finally {
        await nginx.stop();
      }
    };
    const one = await rate([replicas[0]!.host]);
    const three = await rate(replicas.map((replica) => replica.host));
    await Promise.all(replicas.map((replica) => replica.stop()));
    return {
      scenario: '18 manifest GET through nginx, 3 replicas on S3 + database vs 1',
      unit: 'req/s',
      stowage: three,
      peer: one,
      peerName: '1 replica',
      target: { ratio: 2.5, better: 'higher' },
    };
  } finally {
    await Promise.all([rgw.stop(), postgres.stop()]);
  }
}
