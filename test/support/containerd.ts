// A real containerd (Debian's containerd 1.6) for the tests that read its image store: each
// test file starts its own daemon with its own root, state and sockets in a temp dir, so what
// Stowage reads is exactly what containerd wrote. Needs root (CI runs as root).

import { spawn, type ChildProcess } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { makeTempDir, run, runOk, stopProcess, type RunResult } from './process.js';

export const CONTAINERD_BIN = process.env.CONTAINERD_BIN ?? '/usr/bin/containerd';
export const CTR_BIN = process.env.CTR_BIN ?? '/usr/bin/ctr';

export interface Containerd {
  /** The containerd root: what loadContainerdRoot reads. */
  root: string;
  /** The gRPC socket, for `ctr --address`. */
  address: string;
  /** Runs ctr against this daemon; rejects unless it exits 0. */
  ctr(args: string[], timeoutMs?: number): Promise<RunResult>;
  /** Stops the daemon (SIGTERM, then SIGKILL); the root stays for reading. */
  stop(): Promise<void>;
  /** Starts it again on the same root (after stop). */
  restart(): Promise<void>;
  /** What the daemon printed since it was last started. */
  log(): string;
}

/** Starts containerd with the CRI plugin disabled (it wants a CNI setup and is not needed). */
export async function startContainerd(): Promise<Containerd> {
  const base = await makeTempDir('stowage-containerd-');
  const root = join(base, 'root');
  // Socket names are limited to 108 bytes: a short directory of their own.
  const sockets = await makeTempDir('sct-');
  const address = join(sockets, 'c.sock');
  const config = join(base, 'config.toml');
  await writeFile(
    config,
    [
      'version = 2',
      `root = ${JSON.stringify(root)}`,
      `state = ${JSON.stringify(join(base, 'state'))}`,
      'disabled_plugins = ["io.containerd.grpc.v1.cri"]',
      '[grpc]',
      `  address = ${JSON.stringify(address)}`,
      '[ttrpc]',
      `  address = ${JSON.stringify(join(sockets, 't.sock'))}`,
      '[debug]',
      `  address = ${JSON.stringify(join(sockets, 'd.sock'))}`,
      // The opt plugin would otherwise create /opt/containerd.
      '[plugins."io.containerd.internal.v1.opt"]',
      `  path = ${JSON.stringify(join(base, 'opt'))}`,
      '',
    ].join('\n'),
  );
  let child: ChildProcess | undefined;
  let output = '';

  const launch = async (): Promise<void> => {
    output = '';
    const started = spawn(CONTAINERD_BIN, ['--config', config], { stdio: ['ignore', 'pipe', 'pipe'] });
    child = started;
    started.stdout?.setEncoding('utf8').on('data', (d: string) => (output += d));
    started.stderr?.setEncoding('utf8').on('data', (d: string) => (output += d));
    const deadline = Date.now() + 30_000;
    for (;;) {
      if (started.exitCode !== null || started.signalCode !== null)
        throw new Error(`containerd exited (${started.exitCode ?? started.signalCode}):\n${output}`);
      const ping = await run(CTR_BIN, ['--address', address, 'version'], { timeoutMs: 10_000 });
      if (ping.code === 0) return;
      if (Date.now() > deadline) {
        await stopProcess(started, 5_000);
        throw new Error(`containerd did not answer within 30 s:\n${output}`);
      }
      await new Promise((r) => setTimeout(r, 200));
    }
  };

  await launch();
  return {
    root,
    address,
    ctr: (args, timeoutMs = 120_000) => runOk(CTR_BIN, ['--address', address, ...args], { timeoutMs }),
    async stop() {
      if (child) await stopProcess(child, 20_000);
      child = undefined;
    },
    restart: launch,
    log: () => output,
  };
}
