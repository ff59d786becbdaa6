/**
 * `proxy` (distribution's form) and `proxies` (Stowage's) (src/config/proxy-config.ts): read
 * strictly, with the key named in one line, defaults as documented, and what reaches the
 * Registry and the collector.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { registryOptions } from '../../../src/config/registry-options.js';
import { loadServeConfig, type ServeConfig } from '../../../src/config/serve-config.js';
import { cacheGcOptions } from '../../../src/registry/proxy/expiry.js';

describe('pull-through cache configuration', () => {
  let dir: string;
  before(async () => (dir = await mkdtemp(join(tmpdir(), 'stowage-proxy-config-'))));
  after(async () => rm(dir, { recursive: true, force: true }));

  let n = 0;
  const load = async (yaml: string, env: NodeJS.ProcessEnv = {}): Promise<ServeConfig> => {
    const path = join(dir, `c${n++}.yml`);
    await writeFile(path, `storage:\n  inmemory:\n${yaml}`);
    return loadServeConfig(path, {}, env);
  };
  const refusal = async (yaml: string): Promise<string> => {
    try {
      await load(yaml);
    } catch (err) {
      const e = err as Error & { code?: string };
      assert.equal(e.code, 'CONFIG_INVALID', String(err));
      assert.ok(!e.message.includes('\n'), `one line: ${e.message}`);
      return e.message;
    }
    throw new Error(`accepted:\n${yaml}`);
  };

  it("distribution's proxy: one upstream for the whole registry, registry:2's ttl, every tag pull revalidated", async () => {
    const config = await load('proxy:\n  remoteurl: https://registry-1.docker.io\n  username: u\n  password: p\n');
    assert.deepEqual(config.proxy, {
      upstreams: [{ remoteUrl: 'https://registry-1.docker.io', username: 'u', password: 'p', ttlMs: 168 * 3_600_000, tagTtlMs: 0, timeoutMs: 20_000 }],
    });
    const options = await registryOptions(config, { write: () => true } as unknown as NodeJS.WritableStream);
    assert.deepEqual(options.proxy, config.proxy);
  });

  it('REGISTRY_PROXY_REMOTEURL configures it as distribution reads it', async () => {
    const config = await load('', { REGISTRY_PROXY_REMOTEURL: 'http://127.0.0.1:5001', REGISTRY_PROXY_TTL: '0' });
    assert.equal(config.proxy?.upstreams[0]?.remoteUrl, 'http://127.0.0.1:5001');
    assert.equal(config.proxy?.upstreams[0]?.ttlMs, 0);
  });

  it('proxies: hosts, docker.io the default, 5m tag ttl, sizes and durations', async () => {
    const config = await load(
      [
        'proxies:',
        '  - host: docker.io',
        '    remoteurl: https://registry-1.docker.io',
        '    maxsize: 50GB',
        '  - host: ghcr.io',
        '    remoteurl: https://ghcr.io/',
        '    ttl: 24h',
        '    tagttl: 30s',
        '    timeout: 5s',
        '',
      ].join('\n'),
    );
    assert.deepEqual(config.proxy, {
      upstreams: [
        { host: 'docker.io', remoteUrl: 'https://registry-1.docker.io', maxBytes: 50e9, ttlMs: 168 * 3_600_000, tagTtlMs: 300_000, timeoutMs: 20_000 },
        { host: 'ghcr.io', remoteUrl: 'https://ghcr.io', ttlMs: 86_400_000, tagTtlMs: 30_000, timeoutMs: 5_000 },
      ],
      defaultHost: 'docker.io',
    });
  });

  it('no default upstream without docker.io or default: true; default: true picks one', async () => {
    const none = await load('proxies:\n  - host: ghcr.io\n    remoteurl: https://ghcr.io\n');
    assert.equal(none.proxy?.defaultHost, undefined);
    const chosen = await load(
      'proxies:\n  - host: docker.io\n    remoteurl: https://registry-1.docker.io\n  - host: quay.io\n    remoteurl: https://quay.io\n    default: true\n',
    );
    assert.equal(chosen.proxy?.defaultHost, 'quay.io');
  });

  it('refuses, naming the key: both forms, bad URLs, duplicate hosts, hosts that cannot name repositories, typos', async () => {
    assert.match(await refusal('proxy:\n  remoteurl: https://a.io\nproxies:\n  - host: b.io\n    remoteurl: https://b.io\n'), /proxy .* or proxies, not both/);
    assert.match(await refusal('proxy:\n  username: u\n'), /proxy\.remoteurl is required/);
    assert.match(await refusal('proxy:\n  remoteurl: ftp://a.io\n'), /proxy\.remoteurl: must be http/);
    assert.match(await refusal('proxy:\n  remoteurl: https://u:p@a.io\n'), /proxy\.remoteurl: put credentials/);
    assert.match(await refusal('proxy:\n  remoteurl: https://a.io/v2/\n'), /proxy\.remoteurl: .*without a path/);
    assert.match(await refusal('proxy:\n  remoteurl: https://a.io\n  exec:\n    command: helper\n'), /proxy\.exec/);
    assert.match(await refusal('proxy:\n  remoteurl: https://a.io\n  remoteur1: x\n'), /remoteur1/);
    assert.match(
      await refusal('proxies:\n  - host: a.io\n    remoteurl: https://a.io\n  - host: A.io\n    remoteurl: https://b.io\n'),
      /proxies\[1\]\.host: a\.io is configured twice/,
    );
    assert.match(
      await refusal('proxies:\n  - host: localhost:5000\n    remoteurl: http://localhost:5000\n'),
      /proxies\[0\]\.host: .*cannot begin repository names/,
    );
    assert.match(await refusal('proxies:\n  - host: a.io\n    remoteurl: https://a.io\n    tagtll: 5m\n'), /tagtll/);
    assert.match(await refusal('proxies:\n  - host: a.io\n    remoteurl: https://a.io\n    maxsize: lots\n'), /proxies\[0\]\.maxsize/);
    assert.match(await refusal('proxies:\n  - host: a.io\n    remoteurl: https://a.io\n    password: p\n'), /proxies\[0\]\.password is given without/);
    assert.match(await refusal('proxies:\n  - host: a.io\n    remoteurl: https://a.io\n    ttl: soon\n'), /proxies\[0\]\.ttl/);
    // (The lines continue the `storage:` section load() starts.)
    assert.match(
      await refusal('  maintenance:\n    readonly:\n      enabled: true\nproxy:\n  remoteurl: https://a.io\n'),
      /a pull-through cache stores what it fetches: it cannot run with storage\.maintenance\.readonly/,
    );
  });

  it("what the collector gets: each cached repository's ttl (0: never) and each upstream's cap", async () => {
    const config = await load(
      'proxies:\n  - host: docker.io\n    remoteurl: https://registry-1.docker.io\n    ttl: 1h\n    maxsize: 1GB\n  - host: ghcr.io\n    remoteurl: https://ghcr.io\n    ttl: 0\n',
    );
    const gc = cacheGcOptions(config.proxy);
    assert.equal(gc.expiry?.('docker.io/library/alpine'), 3_600_000);
    assert.equal(gc.expiry?.('ghcr.io/org/app'), undefined, 'ttl 0 keeps content forever');
    assert.equal(gc.expiry?.('team/app'), undefined, 'hosted repositories do not expire');
    assert.equal(gc.cacheCaps?.length, 1);
    assert.equal(gc.cacheCaps?.[0]?.maxBytes, 1e9);
    assert.ok(gc.cacheCaps?.[0]?.owns('docker.io/library/alpine'));
    assert.ok(!gc.cacheCaps?.[0]?.owns('ghcr.io/org/app'));
    const whole = cacheGcOptions((await load('proxy:\n  remoteurl: https://a.io\n  ttl: 2h\n')).proxy);
    assert.equal(whole.expiry?.('library/alpine'), 7_200_000, "distribution's form: every repository is cached");
  });
});
