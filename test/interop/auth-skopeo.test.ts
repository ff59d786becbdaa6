// skopeo (containers/image) against `stowage serve` with the built-in token issuer: login,
// copy, inspect and list-tags through the Bearer challenge and token flow (token.md), an
// anonymous pull of a public repository, a cross-repository copy (blob mounts), and pushes
// the access rules refuse.

import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { writeHtpasswd } from '../support/htpasswd.js';
import { assertSameImage, writeImageLayout, type BuiltImage } from '../support/oci-layout.js';
import { makeTempDir, removeTempDirs, run, skopeo, startStowage, stopAll, type ServerHandle } from '../support/process.js';

const USERS = { writer: 'writer-skopeo-pw', reader: 'reader-skopeo-pw', admin: 'admin-skopeo-pw' };

interface InspectOutput {
  Digest: string;
}

describe('skopeo against stowage serve with the built-in token issuer', () => {
  let server: ServerHandle;
  let dir: string;
  let image: BuiltImage;
  let authfile: string;
  const ref = (repo: string): string => `docker://${server.host}/${repo}`;
  const creds = (user: keyof typeof USERS): string => `${user}:${USERS[user]}`;

  before(async () => {
    dir = await makeTempDir('stowage-skopeo-auth-');
    authfile = join(dir, 'auth.json');
    await writeHtpasswd(join(dir, 'htpasswd'), USERS);
    const config = join(dir, 'config.yml');
    await writeFile(
      config,
      [
        'storage:',
        '  filesystem:',
        `    rootdirectory: ${join(dir, 'root')}`,
        '  delete:',
        '    enabled: true',
        'auth:',
        '  token:',
        '    service: skopeo-registry',
        '    issuer: skopeo-issuer',
        '    builtin:',
        `      htpasswd: ${join(dir, 'htpasswd')}`,
        'access:',
        '  - anonymous: true',
        "    repositories: ['public/**']",
        '    actions: [pull]',
        '  - users: [writer]',
        "    repositories: ['team/**', 'public/**']",
        '    actions: [pull, push]',
        '  - users: [reader]',
        "    repositories: ['team/**']",
        '    actions: [pull]',
        '  - users: [admin]',
        "    repositories: ['**']",
        "    actions: ['*']",
        '',
      ].join('\n'),
    );
    server = await startStowage({ config });
    image = await writeImageLayout(join(dir, 'layout'), { layers: 2, seed: 'skopeo-auth', tag: 't' });
  });

  after(async () => {
    await stopAll();
    await removeTempDirs();
  });

  it('refuses a wrong password at login and accepts the right one', async () => {
    const wrong = await run('skopeo', ['login', '--tls-verify=false', '--authfile', authfile, '-u', 'writer', '-p', 'wrong', server.host]);
    assert.notEqual(wrong.code, 0, wrong.stdout);
    assert.match(wrong.stderr, /unauthorized|401|invalid username/i);
    const ok = await skopeo(['login', '--tls-verify=false', '--authfile', authfile, '-u', 'writer', '-p', USERS.writer, server.host]);
    assert.match(ok.stdout, /Login Succeeded/);
  });

  it('pushes with the stored login and reads back with other credentials', async () => {
    await skopeo(['copy', '--preserve-digests', '--dest-tls-verify=false', '--authfile', authfile, `oci:${join(dir, 'layout')}:t`, ref('team/app:1.0')]);
    const info = JSON.parse((await skopeo(['inspect', '--tls-verify=false', '--creds', creds('reader'), ref('team/app:1.0')])).stdout) as InspectOutput;
    assert.equal(info.Digest, image.digest);
    const tags = JSON.parse((await skopeo(['list-tags', '--tls-verify=false', '--creds', creds('reader'), ref('team/app')])).stdout) as { Tags: string[] };
    assert.deepEqual(tags.Tags, ['1.0']);
    const out = join(dir, 'back');
    await skopeo(['copy', '--preserve-digests', '--src-tls-verify=false', '--src-creds', creds('reader'), ref('team/app:1.0'), `oci:${out}:back`]);
    await assertSameImage(join(dir, 'layout'), 't', out, 'back');
  });

  it('copies between repositories of the registry (blob mounts need pull on the source)', async () => {
    await skopeo(['copy', '--src-tls-verify=false', '--dest-tls-verify=false', '--authfile', authfile, ref('team/app:1.0'), ref('public/app:1.0')]);
    const info = JSON.parse((await skopeo(['inspect', '--tls-verify=false', '--no-creds', ref('public/app:1.0')])).stdout) as InspectOutput;
    assert.equal(info.Digest, image.digest);
  });

  it('lets anonymous callers pull public repositories only', async () => {
    const denied = await run('skopeo', ['inspect', '--tls-verify=false', '--no-creds', ref('team/app:1.0')]);
    assert.notEqual(denied.code, 0, denied.stdout);
    assert.match(denied.stderr, /unauthorized|authentication required|insufficient/i);
  });

  it('refuses a push the rules do not allow, and stores nothing', async () => {
    const denied = await run('skopeo', [
      'copy',
      '--dest-tls-verify=false',
      '--dest-creds',
      creds('reader'),
      `oci:${join(dir, 'layout')}:t`,
      ref('team/app:reader'),
    ]);
    assert.notEqual(denied.code, 0, denied.stdout);
    assert.match(denied.stderr, /unauthorized|denied|authentication required|insufficient/i);
    const tags = JSON.parse((await skopeo(['list-tags', '--tls-verify=false', '--creds', creds('reader'), ref('team/app')])).stdout) as { Tags: string[] };
    assert.deepEqual(tags.Tags, ['1.0']);
    const anonymous = await run('skopeo', ['copy', '--dest-tls-verify=false', '--dest-no-creds', `oci:${join(dir, 'layout')}:t`, ref('public/anon:1')]);
    assert.notEqual(anonymous.code, 0, anonymous.stdout);
  });

  it('deletes only with the delete action', async () => {
    const writer = await run('skopeo', ['delete', '--tls-verify=false', '--creds', creds('writer'), ref('public/app:1.0')]);
    assert.notEqual(writer.code, 0, writer.stdout);
    await skopeo(['delete', '--tls-verify=false', '--creds', creds('admin'), ref('public/app:1.0')]);
    const gone = await run('skopeo', ['inspect', '--tls-verify=false', '--no-creds', ref('public/app:1.0')]);
    assert.notEqual(gone.code, 0);
  });
});
