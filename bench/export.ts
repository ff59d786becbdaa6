import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { startDockerd } from '../test/support/dockerd.js';
import { makeTempDir } from '../test/support/process.js';
import { alternate, bundledCli, timeCommand, type Row } from './measure.js';
import type { BenchContext } from './scenarios.js';

/**
 * Scenario 20: taking the large image out as files.
 * 20a `stowage export IMAGE -o x.tar` (the flattened root filesystem, from the local store's
 * compressed layers) against `docker export` of a container created from the same image (the
 * daemon tars overlay2's merged directories, already unpacked).
 * 20b `stowage docker export IMAGE x.tar` (a docker save archive, read offline from the daemon's
 * own root) against `docker save -o` answered by the daemon.
 */
export async function exportVerbs(ctx: BenchContext): Promise<Row[]> {
  const dir = await makeTempDir('bench-export-');
  const archive = join(dir, 'large.tar');
  const store = join(dir, 'store');
  const out = join(dir, 'out.tar');
  const cli = await bundledCli();
  const stowage = (args: string[]) => timeCommand(process.execPath, [cli, ...args]);
  await stowage(['copy', '-q', `oci:${ctx.large}:img`, `docker-archive:${archive}:bench/large:1`]);
  await stowage(['--root', store, 'load', '-i', archive]);
  const dockerd = await startDockerd('overlay2');
  try {
    await dockerd.docker(['load', '-q', '-i', archive], 600_000);
    await dockerd.docker(['create', '--name', 'exported', 'bench/large:1', '/bin/sh']);
    const env = { ...process.env, DOCKER_HOST: `unix://${dockerd.socket}` };
    const fresh = async <T>(work: () => Promise<T>): Promise<T> => {
      await rm(out, { force: true });
      return work();
    };
    const rootfs = await alternate(ctx.rounds, {
      stowage: () => fresh(() => stowage(['--root', store, 'export', 'bench/large:1', '-o', out])),
      peer: () => fresh(() => timeCommand('docker', ['export', 'exported', '-o', out], env)),
    });
    const save = await alternate(ctx.rounds, {
      stowage: () => fresh(() => stowage(['docker', 'export', '-q', '--docker-root', dockerd.root, 'bench/large:1', out])),
      peer: () => fresh(() => timeCommand('docker', ['save', 'bench/large:1', '-o', out], env)),
    });
    return [
      { scenario: '20a stowage export (rootfs tar, from the store)', unit: 's', ...rootfs, peerName: 'docker export', target: { ratio: 1, better: 'lower' } },
      { scenario: '20b stowage docker export (save archive, daemon-free)', unit: 's', ...save, peerName: 'docker save', target: { ratio: 1, better: 'lower' } },
    ];
  } finally {
    await dockerd.stop();
  }
}
