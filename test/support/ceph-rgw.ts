/**
 * A one-node Ceph cluster with a RADOS Gateway, for the S3 driver's tests: one monitor, one OSD
 * on memstore (RAM: nothing survives it, which tests never need), radosgw's beast frontend on a
 * loopback port, no manager, no authentication inside the cluster, pool size 1, and one S3 user.
 * Debian's packages (ceph-mon, ceph-osd, radosgw, ceph-common 16.2; scripts/install-peers.sh).
 * Started in about 2 s; the daemons run in the foreground as this process's children and are
 * killed with it.
 *
 * Pitfalls this avoids: with `auth ... = none` radosgw never connects unless
 * `ms_mon_client_mode = crc`; `paxos_propose_interval = 0.05` cuts the start from ~13 s to ~2 s;
 * a young radosgw can take 15 s to exit on SIGTERM (it is killed instead).
 */
import type { ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import type { S3Options } from '../../src/storage/s3/options.js';
import { daemon as startDaemon } from './daemon.js';
import { freePort, makeTempDir, runOk } from './process.js';

export interface Rgw {
  /** `http://127.0.0.1:PORT` */
  endpoint: string;
  accessKey: string;
  secretKey: string;
  /** A new bucket. */
  createBucket(name?: string): Promise<string>;
  /** The S3 driver's options for `bucket` under `rootDirectory`. */
  options(bucket: string, rootDirectory?: string, more?: Partial<S3Options>): S3Options;
  /** The same as YAML in flow style (`s3: {...}`), for a `storage` section or REGISTRY_STORAGE. */
  yaml(bucket: string, rootDirectory?: string): string;
  client(): S3Client;
  stop(): Promise<void>;
}

const ACCESS_KEY = 'stowage-test-access';
const SECRET_KEY = 'stowage-test-secret-key-0123456789';

const children = new Set<ChildProcess>();

function daemon(cmd: string, args: string[], log: string[]): ChildProcess {
  return startDaemon(cmd, args, log, children);
}

let shared: Promise<Rgw> | undefined;
let sharedBucketName: Promise<string> | undefined;

/** One gateway per test process, started on first use. */
export function sharedRgw(): Promise<Rgw> {
  shared ??= startRgw();
  return shared;
}

/** One bucket of the shared gateway, made on first use; tests keep apart by key prefix. */
export function sharedBucket(): Promise<string> {
  sharedBucketName ??= sharedRgw().then((rgw) => rgw.createBucket());
  return sharedBucketName;
}

/** The `storage.s3` options of the shared gateway's bucket under a prefix named after `root` (a temp directory). */
export async function sharedS3(root: string): Promise<S3Options> {
  const [rgw, bucket] = await Promise.all([sharedRgw(), sharedBucket()]);
  return rgw.options(bucket, basename(root));
}

export async function startRgw(): Promise<Rgw> {
  const dir = await makeTempDir('stowage-rgw-');
  const [monPort, rgwPort] = [await freePort(), await freePort()];
  const fsid = randomUUID();
  const conf = join(dir, 'ceph.conf');
  for (const sub of ['mon', 'osd', 'run', 'log', 'rgw']) await mkdir(join(dir, sub));
  await writeFile(
    conf,
    [
      '[global]',
      `fsid = ${fsid}`,
      `mon host = [v2:127.0.0.1:${monPort}]`,
      'auth cluster required = none',
      'auth service required = none',
      'auth client required = none',
      'ms_mon_client_mode = crc',
      'mon allow pool size one = true',
      'osd pool default size = 1',
      'osd pool default min size = 1',
      'osd pool default pg num = 8',
      'osd pool default pgp num = 8',
      'mon_warn_on_pool_no_redundancy = false',
      'paxos_propose_interval = 0.05',
      'client_mount_timeout = 15',
      'rados_mon_op_timeout = 15',
      'osd objectstore = memstore',
      'memstore device bytes = 8589934592',
      `osd data = ${join(dir, 'osd')}`,
      `mon data = ${join(dir, 'mon')}`,
      `run dir = ${join(dir, 'run')}`,
      `log file = ${join(dir, 'log')}/$name.log`,
      `admin socket = ${join(dir, 'run')}/$name.asok`,
      'osd crush chooseleaf type = 0',
      '[client.rgw]',
      // tcp_nodelay: without it every GET, list and copy waits ~40 ms (Nagle against delayed ACKs).
      `rgw frontends = beast endpoint=127.0.0.1:${rgwPort} tcp_nodelay=1`,
      `rgw data = ${join(dir, 'rgw')}`,
      '',
    ].join('\n'),
  );
  const log: string[] = [];
  const fail = (what: string): Error => new Error(`Ceph RGW: ${what}\n${log.join('').slice(-4000)}`);
  await runOk('monmaptool', ['--create', '--addv', 'a', `[v2:127.0.0.1:${monPort}]`, '--fsid', fsid, join(dir, 'monmap')]);
  await runOk('ceph-mon', ['--mkfs', '-i', 'a', '--monmap', join(dir, 'monmap'), '-c', conf]);
  daemon('ceph-mon', ['-f', '-i', 'a', '-c', conf], log);
  const id = (await runOk('ceph', ['-c', conf, 'osd', 'create'], { timeoutMs: 30_000 })).stdout.trim();
  await runOk('ceph-osd', ['-i', id, '--mkfs', '-c', conf]);
  daemon('ceph-osd', ['-f', '-i', id, '-c', conf], log);
  const gateway = daemon('radosgw', ['-f', '-n', 'client.rgw', '-c', conf], log);
  const endpoint = `http://127.0.0.1:${rgwPort}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (gateway.exitCode !== null) throw fail(`radosgw exited (${gateway.exitCode})`);
    const up = await fetch(endpoint, { signal: AbortSignal.timeout(2_000) }).then(
      (res) => res.status === 200,
      () => false,
    );
    if (up) break;
    if (Date.now() > deadline) throw fail(`radosgw did not answer at ${endpoint}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  await runOk(
    'radosgw-admin',
    ['-c', conf, 'user', 'create', '--uid=stowage', '--display-name=stowage', `--access-key=${ACCESS_KEY}`, `--secret-key=${SECRET_KEY}`],
    {
      timeoutMs: 30_000,
    },
  );

  let s3: S3Client | undefined;
  const client = (): S3Client => {
    // As the driver does (src/storage/s3/client.ts): no seven-line notice about the SDK's future.
    process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
    s3 ??= new S3Client({
      region: 'us-east-1',
      endpoint,
      forcePathStyle: true,
      credentials: { accessKeyId: ACCESS_KEY, secretAccessKey: SECRET_KEY },
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
    });
    return s3;
  };
  let buckets = 0;
  return {
    endpoint,
    accessKey: ACCESS_KEY,
    secretKey: SECRET_KEY,
    client,
    createBucket: async (name = `stowage-${process.pid}-${++buckets}`) => {
      await client().send(new CreateBucketCommand({ Bucket: name }));
      return name;
    },
    options: (bucket, rootDirectory = '', more = {}) => ({
      bucket,
      region: 'us-east-1',
      regionEndpoint: endpoint,
      rootDirectory,
      accessKey: ACCESS_KEY,
      secretKey: SECRET_KEY,
      secure: false,
      forcePathStyle: true,
      skipVerify: false,
      chunkSize: 10 * 1024 * 1024,
      multipartCopyThresholdSize: 32 * 1024 * 1024,
      multipartCopyChunkSize: 32 * 1024 * 1024,
      multipartCopyMaxConcurrency: 100,
      encrypt: false,
      storageClass: 'STANDARD',
      objectAcl: 'private',
      useDualStack: false,
      accelerate: false,
      maxAttempts: 3,
      ...more,
    }),
    yaml: (bucket, rootDirectory = '') =>
      `s3: {region: us-east-1, regionendpoint: "${endpoint}", bucket: ${bucket}, accesskey: ${ACCESS_KEY}, secretkey: ${SECRET_KEY}, secure: false${
        rootDirectory ? `, rootdirectory: /${rootDirectory}` : ''
      }}`,
    stop: async () => {
      s3?.destroy();
      for (const child of [...children]) child.kill('SIGKILL');
    },
  };
}
