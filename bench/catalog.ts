import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type Dispatcher, request } from 'undici';
import { importStorage } from '../src/database/index.js';
import { S3Driver } from '../src/storage/s3/driver.js';
import { startRgw } from '../test/support/ceph-rgw.js';
import { writeManyRepositories } from '../test/support/many-repositories.js';
import { startPostgres } from '../test/support/postgres.js';
import { makeTempDir, startDistribution, startStowage } from '../test/support/process.js';
import { alternate, type Row } from './measure.js';
import type { BenchContext } from './scenarios.js';

/** Entries per page, as a client that follows `Link` asks (distribution's `catalog.maxentries` default). */
const PAGE = 1000;

/** Seconds to read the whole catalog page by page, following `Link: <…>; rel="next"` (distribution spec, "Listing Repositories"). */
async function listCatalog(base: string, expected: number): Promise<number> {
  const started = performance.now();
  let next: string | undefined = `/v2/_catalog?n=${PAGE}`;
  let seen = 0;
  while (next) {
    const res: Dispatcher.ResponseData = await request(new URL(next, base));
    if (res.statusCode !== 200) throw new Error(`GET ${next}: ${res.statusCode} ${await res.body.text()}`);
    seen += ((await res.body.json()) as { repositories: string[] }).repositories.length;
    const link: string | string[] | undefined = res.headers.link;
    next = typeof link === 'string' ? /<([^>]+)>;\s*rel="next"/.exec(link)?.[1] : undefined;
  }
  if (seen !== expected) throw new Error(`${base}: the catalog listed ${seen} repositories, not ${expected}`);
  return (performance.now() - started) / 1000;
}

/**
 * Scenario 17: `_catalog` of 10,000 repositories (1,000 with --quick) in one bucket of a Ceph
 * RADOS Gateway, read by both registries: distribution walks the bucket's keys for every page;
 * Stowage with `database.dsn` reads rows (the database filled by `db import`, not timed).
 * The repositories are written straight to the bucket (test/support/many-repositories.ts).
 */
export async function catalogOnS3(ctx: BenchContext): Promise<Row> {
  const count = ctx.quick ? 1000 : 10_000;
  const [rgw, postgres] = await Promise.all([startRgw(), startPostgres()]);
  try {
    const bucket = await rgw.createBucket();
    const driver = new S3Driver(rgw.options(bucket, 'catalog'));
    await writeManyRepositories(driver, count, 'bench');
    const dsn = await postgres.createDatabase();
    await importStorage({ dsn }, driver, 'the bench bucket');
    const config = join(await makeTempDir('bench-catalog-conf-'), 'config.yml');
    await writeFile(config, `version: 0.1\nstorage:\n  ${rgw.yaml(bucket, 'catalog')}\ndatabase:\n  dsn: ${dsn}\n`);
    const [stowage, peer] = await Promise.all([
      startStowage({ config, args: ['--log-level', 'error'] }),
      startDistribution({ root: '', storage: rgw.yaml(bucket, 'catalog') }),
    ]);
    try {
      const r = await alternate(ctx.rounds, { stowage: () => listCatalog(stowage.url, count), peer: () => listCatalog(peer.url, count) });
      return {
        scenario: `17 _catalog of ${count.toLocaleString('en')} repositories on S3, pages of ${PAGE}`,
        unit: 's',
        ...r,
        peerName: 'distribution',
        // ≥ 50× faster: Stowage's time at most 1/50 of distribution's.
        target: { ratio: 1 / 50, better: 'lower' },
      };
    } finally {
      await Promise.all([stowage.stop(), peer.stop()]);
    }
  } finally {
    await Promise.all([rgw.stop(), postgres.stop()]);
  }
}
