/**
 * A PostgreSQL server for the database's tests: a cluster made with `initdb` in a temp
 * directory and the server run in the foreground on a loopback port, as this process's child
 * (killed with it). Debian's `postgresql` package (scripts/install-peers.sh). PostgreSQL
 * refuses to run as root: as root, the cluster belongs to the `postgres` user the package
 * makes and the server runs as that user. `fsync=off`: nothing here must survive a crash of
 * the machine, and the tests make many small transactions.
 */
import { randomBytes } from 'node:crypto';
import { chown, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import pg from 'pg';
import { daemon, stopDaemon } from './daemon.js';
import { freePort, makeTempDir, runOk } from './process.js';

export interface Postgres {
  /** A new, empty database's DSN. */
  createDatabase(): Promise<string>;
  /** The server's port. */
  port: number;
  stop(): Promise<void>;
}

const USER = 'stowage';

/** Debian keeps the server's programs under /usr/lib/postgresql/<major>/bin, the newest first. */
async function binDir(): Promise<string> {
  const majors = (await readdir('/usr/lib/postgresql').catch(() => [] as string[])).filter((name) => /^\d+$/.test(name));
  majors.sort((a, b) => Number(b) - Number(a));
  if (!majors[0]) throw new Error('PostgreSQL is not installed (/usr/lib/postgresql/<version>/bin): run scripts/install-peers.sh');
  return `/usr/lib/postgresql/${majors[0]}/bin`;
}

/** Runs a PostgreSQL program, as the `postgres` user when this process is root. */
function asOwner(program: string, args: string[]): [string, string[]] {
  return process.getuid?.() === 0 ? ['runuser', ['-u', 'postgres', '--', program, ...args]] : [program, args];
}

let shared: Promise<Postgres> | undefined;

/** One server per test process, started on first use. */
export function sharedPostgres(): Promise<Postgres> {
  shared ??= startPostgres();
  return shared;
}

/** A fresh database on the shared server. */
export async function createTestDatabase(): Promise<string> {
  return (await sharedPostgres()).createDatabase();
}

export async function startPostgres(): Promise<Postgres> {
  const bin = await binDir();
  const dir = await makeTempDir('stowage-postgres-');
  const data = join(dir, 'data');
  if (process.getuid?.() === 0) {
    const { uid, gid } = await ownerIds();
    await chown(dir, uid, gid);
  }
  const [initdb, initArgs] = asOwner(join(bin, 'initdb'), ['-D', data, '-U', USER, '-A', 'trust', '--no-sync', '-E', 'UTF8', '--locale=C']);
  await runOk(initdb, initArgs);
  const port = await freePort();
  const settings = [
    '-c',
    `port=${port}`,
    '-c',
    'listen_addresses=127.0.0.1',
    '-c',
    `unix_socket_directories=${dir}`,
    '-c',
    'fsync=off',
    '-c',
    'max_connections=300',
  ];
  // The server is started through setpriv, which becomes it (runuser forks and waits): the
  // child this process kills when it exits is then postgres itself, not a runuser whose
  // PostgreSQL outlived it (every test file left a server running).
  const serverBin = join(bin, 'postgres');
  const [server, serverArgs] =
    process.getuid?.() === 0
      ? ['setpriv', ['--reuid=postgres', '--regid=postgres', '--init-groups', '--', serverBin, '-D', data, ...settings]]
      : [serverBin, ['-D', data, ...settings]];
  const log: string[] = [];
  const child = daemon(server, serverArgs, log, new Set());

  const admin = `postgres://${USER}@127.0.0.1:${port}/postgres`;
  const deadline = Date.now() + 30_000;
  for (;;) {
    const client = new pg.Client({ connectionString: admin });
    try {
      await client.connect();
      await client.end();
      break;
    } catch (err) {
      await client.end().catch(() => undefined);
      if (child.exitCode !== null || Date.now() > deadline) throw new Error(`PostgreSQL did not start: ${(err as Error).message}\n${log.join('')}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
  return {
    port,
    async createDatabase() {
      const name = `stowage_${randomBytes(6).toString('hex')}`;
      const client = new pg.Client({ connectionString: admin });
      await client.connect();
      try {
        await client.query(`CREATE DATABASE ${name}`);
      } finally {
        await client.end();
      }
      return `postgres://${USER}@127.0.0.1:${port}/${name}`;
    },
    async stop() {
      // pg_ctl's fast shutdown, not a signal to the child: as root the child is runuser, which does not pass SIGINT on.
      const [pgCtl, stopArgs] = asOwner(join(bin, 'pg_ctl'), ['stop', '-D', data, '-m', 'fast', '-w']);
      await runOk(pgCtl, stopArgs);
      await stopDaemon(child, 'SIGTERM');
    },
  };
}

async function ownerIds(): Promise<{ uid: number; gid: number }> {
  const { stdout } = await runOk('id', ['-u', 'postgres']);
  const { stdout: group } = await runOk('id', ['-g', 'postgres']);
  return { uid: Number(stdout.trim()), gid: Number(group.trim()) };
}
