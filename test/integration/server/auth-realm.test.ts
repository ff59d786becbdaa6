/**
 * The Bearer challenge's realm is never taken from what a client says about the server:
 * auth.token.realm when set, else http.host, else X-Forwarded-Host/-Proto from a proxy listed
 * in http.trustedproxies, else the address the connection reached.
 */
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { writeFile } from 'node:fs/promises';
import { writeHtpasswd } from '../../support/htpasswd.js';
import { makeTempDir, removeTempDirs, startStowage, stopAll, type ServerHandle } from '../../support/process.js';

/** GET /v2/ with these headers (Host included); the realm of the challenge. */
function realmOf(server: ServerHandle, headers: Record<string, string>): Promise<string> {
  const url = new URL(server.url);
  return new Promise((resolve, reject) => {
    const req = request({ host: url.hostname, port: url.port, path: '/v2/', headers }, (res) => {
      res.resume();
      assert.equal(res.statusCode, 401);
      const challenge = String(res.headers['www-authenticate'] ?? '');
      const realm = /realm="([^"]*)"/.exec(challenge)?.[1];
      if (realm === undefined) reject(new Error(`no realm in ${challenge}`));
      else resolve(realm);
    });
    req.on('error', reject);
    req.end();
  });
}

describe('the token realm', () => {
  let dir: string;
  let users: string;
  before(async () => {
    dir = await makeTempDir('stowage-realm-');
    users = join(dir, 'htpasswd');
    await writeHtpasswd(users, { alice: 'secret-1' });
  });
  after(async () => {
    await stopAll();
    await removeTempDirs();
  });

  const serve = async (name: string, extra: string): Promise<ServerHandle> => {
    const config = join(dir, `${name}.yml`);
    await writeFile(
      config,
      `storage:\n  filesystem:\n    rootdirectory: ${join(dir, name)}\nhttp:\n  addr: 127.0.0.1:0\n${extra}auth:\n  token:\n    service: reg\n    issuer: stowage\n    builtin:\n      htpasswd: ${users}\n`,
    );
    return startStowage({ config, addr: false });
  };
  const evil: Array<Record<string, string>> = [
    { host: 'evil.example' },
    { host: 'evil.example', 'x-forwarded-host': 'evil.example', 'x-forwarded-proto': 'https' },
  ];

  it('by default names the address the connection reached, whatever Host or X-Forwarded-Host say', async () => {
    const server = await serve('plain', '');
    const own = `${server.url}/auth/token`;
    for (const headers of evil) assert.equal(await realmOf(server, headers), own, JSON.stringify(headers));
    await server.stop();
  });

  it('believes X-Forwarded-Host and -Proto only from a trusted proxy', async () => {
    const trusted = await serve('trusted', '  trustedproxies: [loopback]\n');
    assert.equal(
      await realmOf(trusted, { host: 'x', 'x-forwarded-host': 'registry.example', 'x-forwarded-proto': 'https' }),
      'https://registry.example/auth/token',
    );
    // A proxy chain appends: the value the nearest proxy added counts.
    assert.equal(
      await realmOf(trusted, { host: 'x', 'x-forwarded-host': 'spoofed.example, registry.example:8443' }),
      'http://registry.example:8443/auth/token',
    );
    // No X-Forwarded-Host, or one that is no host name: never the Host header.
    assert.equal(await realmOf(trusted, { host: 'evil.example' }), `${trusted.url}/auth/token`);
    assert.equal(await realmOf(trusted, { host: 'x', 'x-forwarded-host': 'evil.example/"x' }), `${trusted.url}/auth/token`);
    await trusted.stop();

    const elsewhere = await serve('untrusted', '  trustedproxies: [10.0.0.0/8]\n');
    for (const headers of evil) assert.equal(await realmOf(elsewhere, headers), `${elsewhere.url}/auth/token`);
    await elsewhere.stop();
  });

  it('uses http.host, and auth.token.realm above all', async () => {
    const hosted = await serve('hosted', '  host: https://registry.example.com\n  trustedproxies: [loopback]\n');
    for (const headers of evil) assert.equal(await realmOf(hosted, headers), 'https://registry.example.com/auth/token');
    await hosted.stop();
    const config = join(dir, 'realm.yml');
    await writeFile(
      config,
      `storage:\n  inmemory:\nhttp:\n  addr: 127.0.0.1:0\nauth:\n  token:\n    realm: https://auth.example/token\n    service: reg\n    issuer: stowage\n    builtin:\n      htpasswd: ${users}\n`,
    );
    const fixed = await startStowage({ config, addr: false });
    for (const headers of evil) assert.equal(await realmOf(fixed, headers), 'https://auth.example/token');
    await fixed.stop();
  });
});
