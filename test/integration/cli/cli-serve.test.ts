import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { Agent, fetch as undiciFetch } from 'undici';
import { sharedRgw } from '../../support/ceph-rgw.js';

const CLI = fileURLToPath(new URL('../../../src/cli/main.js', import.meta.url));
const run = promisify(execFile);

async function fails(args: string[]): Promise<{ code: number; stderr: string }> {
  try {
    await run(process.execPath, [CLI, ...args], { timeout: 10_000 });
  } catch (err) {
    const e = err as { code: number; stderr: string };
    return { code: e.code, stderr: e.stderr };
  }
  throw new Error(`stowage ${args.join(' ')} succeeded`);
}

describe('stowage serve, start-up errors and TLS', () => {
  let dir: string;
  before(async () => (dir = await mkdtemp(join(tmpdir(), 'stowage-cli-'))));
  after(async () => rm(dir, { recursive: true, force: true }));

  it('answers a bad config with one line on stderr and exit code 1', async () => {
    const config = join(dir, 'bad.yml');
    await writeFile(config, 'storage:\n  azure:\n    container: c\n');
    const result = await fails(['serve', config]);
    assert.equal(result.code, 1);
    assert.equal(
      result.stderr,
      `stowage: config file ${config}: storage.azure is not supported: only the filesystem, inmemory and s3 drivers are implemented so far\n`,
    );
    await writeFile(config, 'storage:\n  s3:\n    bucket: b\n');
    const s3 = await fails(['serve', config]);
    assert.equal(s3.code, 1);
    assert.equal(s3.stderr, 'stowage: storage.s3.region: is required (any name, such as us-east-1, for an S3-compatible endpoint)\n');
  });

  it('refuses to start on an S3 bucket that does not exist, naming it (a real Ceph RGW)', async () => {
    const rgw = await sharedRgw();
    try {
      const config = join(dir, 's3-missing.yml');
      await writeFile(config, `storage:\n  ${rgw.yaml('no-such-bucket')}\n`);
      const result = await fails(['serve', config, '--addr', '127.0.0.1:0']);
      assert.equal(result.code, 1);
      assert.match(result.stderr, /^stowage: storage\.s3\.bucket: bucket no-such-bucket at http:\/\/127\.0\.0\.1:\d+ does not exist \(create it first\)\n$/);
    } finally {
      await rgw.stop();
    }
  });

  it('names a missing TLS certificate file', async () => {
    const config = join(dir, 'tls-missing.yml');
    await writeFile(
      config,
      `storage:\n  filesystem:\n    rootdirectory: ${dir}/d\nhttp:\n  addr: 127.0.0.1:0\n  tls:\n    certificate: ${dir}/nope.pem\n    key: ${dir}/nope.key\n`,
    );
    const result = await fails(['serve', config]);
    assert.equal(result.code, 1);
    assert.equal(result.stderr, `stowage: cannot read TLS certificate ${dir}/nope.pem: ENOENT\n`);
  });

  it('refuses an invalid listen address', async () => {
    const result = await fails(['serve', '--addr', 'nonsense', '--root', join(dir, 'x')]);
    assert.equal(result.stderr, 'stowage: invalid listen address "nonsense": expected host:port\n');
  });

  it('serves HTTPS with the configured certificate', async () => {
    const cert = join(dir, 'cert.pem');
    const key = join(dir, 'key.pem');
    await run('openssl', [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      key,
      '-out',
      cert,
      '-days',
      '1',
      '-subj',
      '/CN=127.0.0.1',
      '-addext',
      'subjectAltName=IP:127.0.0.1',
    ]);
    const config = join(dir, 'tls.yml');
    await writeFile(
      config,
      `storage:\n  filesystem:\n    rootdirectory: ${dir}/tls-data\nhttp:\n  addr: 127.0.0.1:0\n  tls:\n    certificate: ${cert}\n    key: ${key}\n`,
    );
    const child = spawn(process.execPath, [CLI, 'serve', config], { stdio: ['ignore', 'pipe', 'inherit'] });
    try {
      const url = await new Promise<string>((resolve, reject) => {
        let out = '';
        child.stdout.on('data', (d: Buffer) => {
          out += d.toString();
          const match = /listening on (https:\/\/\S+)/.exec(out);
          if (match?.[1]) resolve(match[1]);
        });
        child.on('exit', (code) => reject(new Error(`exited ${code}`)));
      });
      const dispatcher = new Agent({ connect: { ca: await readFile(cert) } });
      const response = await undiciFetch(`${url}/v2/`, { dispatcher });
      assert.equal(response.status, 200);
      assert.equal(response.headers.get('docker-distribution-api-version'), 'registry/2.0');
      await dispatcher.close();
    } finally {
      child.kill('SIGTERM');
    }
  });
});
