import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { Registry } from '../../src/registry/server/registry.js';
import type { StorageDriver } from '../../src/storage/driver.js';
import type { DriverConfig } from '../../src/storage/drivers.js';
import { FilesystemDriver } from '../../src/storage/fs/driver.js';
import { S3Driver } from '../../src/storage/s3/driver.js';
import type { S3Options } from '../../src/storage/s3/options.js';
import { sharedBucket, sharedRgw } from './ceph-rgw.js';
import { MirroredDriver } from './mirrored-driver.js';
import { createTestDatabase } from './postgres.js';

export interface TestRegistry {
  /** 'http://127.0.0.1:PORT' */
  url: string;
  /** The filesystem driver's root directory (for other drivers, where the suites' on-disk checks look). */
  root: string;
  close(): Promise<void>;
}

/**
 * How the API suites get each registered driver (src/storage/drivers.ts) over a root
 * directory. The same root gives the same storage back: the restart tests restart on it.
 * test/integration/server/drivers/ runs the suites once per driver here but the filesystem one.
 */
const memories = new Map<string, MirroredDriver>();
let s3: ((root: string) => S3Options) | undefined;

/**
 * startRegistry on the S3 driver from now on, over the shared Ceph RADOS Gateway's bucket
 * (test/support/ceph-rgw.ts), each root under a key prefix named after it.
 */
export async function useS3(): Promise<void> {
  const [rgw, bucket] = await Promise.all([sharedRgw(), sharedBucket()]);
  s3 = (root) => rgw.options(bucket, basename(root));
  useDriver('s3');
}

export const TEST_DRIVERS: Readonly<Record<DriverConfig['kind'], (root: string) => StorageDriver>> = {
  filesystem: (root) => new FilesystemDriver(root),
  inmemory: (root) => {
    let driver = memories.get(root);
    if (!driver) memories.set(root, (driver = new MirroredDriver(root)));
    return driver;
  },
  s3: (root) => {
    if (!s3) throw new Error('useS3() first: the S3 driver needs a gateway (test/support/ceph-rgw.ts)');
    let driver = memories.get(root);
    if (!driver) memories.set(root, (driver = new MirroredDriver(root, new S3Driver(s3(root)))));
    return driver;
  },
};

let driverName: DriverConfig['kind'] = 'filesystem';
let databases: Map<string, Promise<string>> | undefined;

/**
 * startRegistry with a database from now on (a PostgreSQL server of test/support/postgres.ts):
 * one database per root, so a restart on the same root finds its own.
 */
export function useDatabase(): void {
  databases = new Map();
}

function databaseFor(root: string): Promise<string> | undefined {
  if (!databases) return undefined;
  let dsn = databases.get(root);
  if (!dsn) databases.set(root, (dsn = createTestDatabase()));
  return dsn;
}

/** The driver startRegistry uses from now on in this process (a per-driver wrapper calls it before importing a suite). */
export function useDriver(name: DriverConfig['kind']): void {
  driverName = name;
}

/** A real registry server (the Registry object) on a free loopback port over a fresh temp directory. */
export async function startRegistry(
  options: { deleteEnabled?: boolean; maxManifestBytes?: number; root?: string; automaticCrossMount?: boolean } = {},
): Promise<TestRegistry> {
  const root = options.root ?? (await mkdtemp(join(tmpdir(), 'stowage-registry-')));
  const dsn = await databaseFor(root);
  const registry = new Registry({
    storage: TEST_DRIVERS[driverName](root),
    ...(dsn ? { database: { dsn } } : {}),
    port: 0,
    policy: {
      deleteEnabled: options.deleteEnabled ?? true,
      ...(options.maxManifestBytes !== undefined ? { maxManifestBytes: options.maxManifestBytes } : {}),
      ...(options.automaticCrossMount !== undefined ? { automaticCrossMount: options.automaticCrossMount } : {}),
    },
  });
  const { url } = await registry.start();
  return {
    url,
    root,
    close: async () => {
      await registry.shutdown();
      if (!options.root) await rm(root, { recursive: true, force: true });
    },
  };
}
