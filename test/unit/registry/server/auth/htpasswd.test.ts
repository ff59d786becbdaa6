import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import bcrypt from 'bcryptjs';
import { HtpasswdFile, parseHtpasswd } from '../../../../../src/registry/server/auth/htpasswd.js';
import { writeHtpasswd } from '../../../../support/htpasswd.js';

const exec = promisify(execFile);

describe('htpasswd files', () => {
  let dir: string;
  before(async () => (dir = await mkdtemp(join(tmpdir(), 'stowage-htpasswd-'))));
  after(() => rm(dir, { recursive: true, force: true }));

  it('verifies what `htpasswd -B` writes ($2y$), and nothing else', async () => {
    const path = join(dir, 'real');
    const writer = await writeHtpasswd(path, { alice: 'alice-pw', bob: 'b:o:b pw' });
    const text = await readFile(path, 'utf8');
    assert.match(text, /^alice:\$2y\$05\$/m, `written by ${writer}`);
    const file = await HtpasswdFile.load(path);
    assert.equal(file.size, 2);
    assert.equal(await file.verify('alice', 'alice-pw'), true);
    assert.equal(await file.verify('bob', 'b:o:b pw'), true);
    assert.equal(await file.verify('alice', 'alice-PW'), false);
    assert.equal(await file.verify('alice', ''), false);
    assert.equal(await file.verify('carol', 'alice-pw'), false);
    // Twice, so the success cache is exercised too.
    assert.equal(await file.verify('alice', 'alice-pw'), true);
    assert.equal(await file.verify('alice', 'wrong'), false);
  });

  it('accepts $2a$ and $2b$, skips blank lines and # comments', () => {
    const a = bcrypt.hashSync('x', 4).replace(/^\$2b\$/, '$2a$');
    const b = bcrypt.hashSync('y', 4);
    const entries = parseHtpasswd(`# users\n\n  alice:${a}\r\nbob:${b}\n`, 'f');
    assert.deepEqual([...entries.keys()], ['alice', 'bob']);
  });

  it('refuses other hash kinds at start-up with the file, line and kind, never the hash', async () => {
    const cases: Array<[string, RegExp]> = [
      ['alice:$apr1$abcdefgh$0123456789abcdefghijkl', /MD5/],
      ['alice:{SHA}W6ph5Mm5Pz8GgiULbPgzG37mj9g=', /SHA1/],
      ['alice:abJnggxhB/yWI', /crypt\(3\)/],
      ['alice:$2y$05$tooshort', /malformed bcrypt/],
    ];
    for (const [line, kind] of cases) {
      const path = join(dir, 'bad');
      await writeFile(path, `# x\n${line}\n`);
      await assert.rejects(HtpasswdFile.load(path), (err: Error & { code?: string }) => {
        assert.equal(err.code, 'CONFIG_INVALID');
        assert.match(err.message, kind);
        assert.match(err.message, /line 2 \(user alice\): only bcrypt entries are supported/);
        assert.ok(!err.message.includes(line.slice(6)), err.message);
        return true;
      });
    }
    await writeFile(join(dir, 'nocolon'), 'alice\n');
    await assert.rejects(HtpasswdFile.load(join(dir, 'nocolon')), /line 1: expected user:hash/);
  });

  it('refuses an MD5 file written by the real htpasswd -m', async () => {
    const path = join(dir, 'md5');
    await exec('htpasswd', ['-mbc', path, 'alice', 'pw']);
    await assert.rejects(HtpasswdFile.load(path), /MD5 \(\$apr1\$\)/);
  });

  it('names a missing file clearly', async () => {
    await assert.rejects(HtpasswdFile.load(join(dir, 'absent')), { code: 'CONFIG_INVALID', message: /cannot read htpasswd file .*absent: ENOENT/ });
  });

  it('re-reads the file when it changes, and fails closed while it is gone or broken', async () => {
    const path = join(dir, 'changing');
    await writeHtpasswd(path, { alice: 'old-pw' });
    const errors: string[] = [];
    const file = await HtpasswdFile.load(path, { onError: (m) => errors.push(m) });
    assert.equal(await file.verify('alice', 'old-pw'), true);
    await writeHtpasswd(path, { alice: 'new-pw', bob: 'bob-pw' });
    assert.equal(await file.verify('alice', 'old-pw'), false);
    assert.equal(await file.verify('alice', 'new-pw'), true);
    assert.equal(await file.verify('bob', 'bob-pw'), true);
    await unlink(path);
    assert.equal(await file.verify('alice', 'new-pw'), false);
    assert.equal(await file.verify('alice', 'new-pw'), false);
    assert.equal(errors.length, 1, errors.join('\n'));
    assert.match(errors[0]!, /ENOENT.*refusing all logins/);
    await writeFile(path, 'alice:$apr1$x$y\n');
    assert.equal(await file.verify('alice', 'new-pw'), false);
    await writeHtpasswd(path, { alice: 'back-pw' });
    assert.equal(await file.verify('alice', 'back-pw'), true);
  });

  it('spends a bcrypt check on unknown users too (no enumeration by timing)', async () => {
    const path = join(dir, 'timing');
    await writeFile(path, `alice:${bcrypt.hashSync('pw', 10)}\n`);
    const file = await HtpasswdFile.load(path);
    const time = async (user: string): Promise<number> => {
      const samples: number[] = [];
      for (let i = 0; i < 3; i++) {
        const start = process.hrtime.bigint();
        assert.equal(await file.verify(user, `wrong-${i}`), false);
        samples.push(Number(process.hrtime.bigint() - start) / 1e6);
      }
      return samples.sort((a, b) => a - b)[1]!;
    };
    const known = await time('alice');
    const unknown = await time('mallory');
    assert.ok(unknown > known * 0.5, `unknown user took ${unknown.toFixed(1)} ms, known ${known.toFixed(1)} ms`);
  });

  it('fingerprints an entry, so a changed password changes it', async () => {
    const path = join(dir, 'fp');
    await writeHtpasswd(path, { alice: 'one' });
    const file = await HtpasswdFile.load(path);
    const first = await file.fingerprint('alice');
    assert.equal(typeof first, 'string');
    assert.equal(await file.fingerprint('nobody'), undefined);
    await writeHtpasswd(path, { alice: 'two' });
    assert.notEqual(await file.fingerprint('alice'), first);
  });
});
