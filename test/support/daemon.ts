import { spawn, type ChildProcess } from 'node:child_process';

const all = new Set<ChildProcess>();
process.on('exit', () => {
  for (const child of all) child.kill('SIGKILL');
});

/**
 * A server run in the foreground as this process's child (Ceph's daemons, PostgreSQL): its
 * output kept in `log` (the last 200 writes, for a failure's message), added to `owned` while
 * it runs, killed when this process exits. It never keeps a test process alive.
 */
export function daemon(cmd: string, args: string[], log: string[], owned: Set<ChildProcess>): ChildProcess {
  const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  all.add(child);
  owned.add(child);
  child.once('exit', () => {
    all.delete(child);
    owned.delete(child);
  });
  const keep = (d: Buffer): void => {
    log.push(d.toString());
    if (log.length > 200) log.shift();
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  child.unref();
  (child.stdout as unknown as { unref?: () => void } | null)?.unref?.();
  (child.stderr as unknown as { unref?: () => void } | null)?.unref?.();
  return child;
}

/** Signals a daemon and waits for it to exit (holding this process open meanwhile: the child is unref'd). */
export async function stopDaemon(child: ChildProcess, signal: NodeJS.Signals): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.ref();
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill(signal);
  await exited;
}
