// A real Docker Engine (Debian's docker.io, 20.10) for the tests that read Docker's own store:
// each test file starts its own dockerd on a socket in a temp dir, with its own data root,
// so what Stowage reads is exactly what a daemon wrote. Needs root (CI runs as root).

import { spawn, type ChildProcess } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { makeTempDir, run, runOk, stopProcess, type RunResult } from './process.js';

export interface Dockerd {
  /** The data root (--data-root): what `stowage docker --docker-root` reads. */
  root: string;
  socket: string;
  driver: string;
  /** Runs the docker CLI against this daemon; rejects unless it exits 0. */
  docker(args: string[], timeoutMs?: number): Promise<RunResult>;
  /** Stops the daemon (SIGTERM, then SIGKILL); the root stays for reading. */
  stop(): Promise<void>;
  /** Starts it again on the same root (after stop). */
  restart(): Promise<void>;
}

export const DOCKERD_BIN = process.env.DOCKERD_BIN ?? 'dockerd';
export const DOCKER_BIN = process.env.DOCKER_BIN ?? 'docker';

export interface DockerdOptions {
  /** More daemon flags after the ones every test needs, e.g. `--registry-mirror URL`. */
  args?: string[];
}

/** Starts dockerd with the given storage driver (overlay2 or vfs) on a fresh root. */
export async function startDockerd(driver: 'overlay2' | 'vfs', opts: DockerdOptions = {}): Promise<Dockerd> {
  const base = await makeTempDir(`stowage-dockerd-${driver}-`);
  const root = join(base, 'root');
  // exec-root holds the socket of dockerd's own containerd: a short path keeps it under the
  // 108-byte limit of a unix socket name.
  const execRoot = await makeTempDir('sdx-');
  const socket = join(base, 'docker.sock');
  await mkdir(root, { recursive: true });
  const env = { ...process.env, DOCKER_HOST: `unix://${socket}` };
  let child: ChildProcess | undefined;
  let log = '';

  const launch = async (): Promise<void> => {
    log = '';
    child = spawn(
      DOCKERD_BIN,
      [
        '--data-root',
        root,
        '--exec-root',
        execRoot,
        '--pidfile',
        join(base, 'dockerd.pid'),
        '-H',
        `unix://${socket}`,
        '--iptables=false',
        '--ip6tables=false',
        '--bridge=none',
        '--storage-driver',
        driver,
        ...(opts.args ?? []),
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    child.stdout?.setEncoding('utf8').on('data', (d: string) => (log += d));
    child.stderr?.setEncoding('utf8').on('data', (d: string) => (log += d));
    const deadline = Date.now() + 60_000;
    for (;;) {
      if (child.exitCode !== null) throw new Error(`dockerd exited (${child.exitCode}):\n${log}`);
      const ping = await run(DOCKER_BIN, ['version', '--format', '{{.Server.Version}}'], { env, timeoutMs: 10_000 });
      if (ping.code === 0) return;
      if (Date.now() > deadline) throw new Error(`dockerd did not answer within 60 s:\n${log}`);
      await new Promise((r) => setTimeout(r, 250));
    }
  };

  await launch();
  const handle: Dockerd = {
    root,
    socket,
    driver,
    docker: (args, timeoutMs = 180_000) => runOk(DOCKER_BIN, args, { env, timeoutMs }),
    async stop() {
      if (child) await stopProcess(child, 20_000);
      child = undefined;
    },
    async restart() {
      await launch();
    },
  };
  return handle;
}
