/**
 * htpasswd files for the auth tests: written by Apache's `htpasswd -B` when it is installed
 * (scripts/install-peers.sh installs it), otherwise by bcryptjs at the same cost (5).
 */
import bcrypt from 'bcryptjs';
import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { promisify } from 'node:util';

const exec = promisify(execFile);

export async function hasHtpasswdBinary(): Promise<boolean> {
  return exec('htpasswd', ['-h']).then(
    () => true,
    (err: { code?: unknown; stderr?: string }) => err.code !== 'ENOENT' && /Usage/i.test(err.stderr ?? ''),
  );
}

/** Writes `users` to `path` as bcrypt entries; returns which tool wrote them. */
export async function writeHtpasswd(path: string, users: Record<string, string>): Promise<'htpasswd' | 'bcryptjs'> {
  if (await hasHtpasswdBinary()) {
    let first = true;
    for (const [user, password] of Object.entries(users)) {
      await exec('htpasswd', [first ? '-Bbc' : '-Bb', path, user, password]);
      first = false;
    }
    return 'htpasswd';
  }
  const lines = Object.entries(users).map(([user, password]) => `${user}:${bcrypt.hashSync(password, 5).replace(/^\$2b\$/, '$2y$')}`);
  await writeFile(path, `${lines.join('\n')}\n`);
  return 'bcryptjs';
}
