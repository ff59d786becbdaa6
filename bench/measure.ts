import { spawn } from 'node:child_process';
import { access, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { REPO_ROOT, STOWAGE_CLI } from '../test/support/process.js';

/** One scenario's result: medians over its rounds, Stowage against the tool it is judged against. */
export interface Row {
  scenario: string;
  unit: string;
  stowage: number;
  peer: number;
  peerName: string;
  /** What the issue asks of stowage/peer; `higher` when more is better (requests per second). */
  target?: { ratio: number; better: 'lower' | 'higher' } | { absolute: number; better: 'lower' };
  note?: string;
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[mid] ?? NaN) : ((sorted[mid - 1] ?? NaN) + (sorted[mid] ?? NaN)) / 2;
}

/** Wall-clock seconds of a command run to completion; throws with its stderr if it fails. */
export async function timeCommand(cmd: string, args: string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const start = performance.now();
  await new Promise<void>((resolve, reject) => {
    const child = spawn(cmd, args, { env, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`${cmd} ${args.join(' ')} exited ${code}: ${stderr.slice(-500)}`))));
  });
  return (performance.now() - start) / 1000;
}

/** Runs `round` for each side in turn, alternating, so drift on the machine hits both alike. */
export async function alternate(
  rounds: number,
  sides: Record<'stowage' | 'peer', (round: number) => Promise<number>>,
): Promise<{ stowage: number; peer: number }> {
  const results = { stowage: [] as number[], peer: [] as number[] };
  for (let round = 0; round < rounds; round++) {
    const order: Array<'stowage' | 'peer'> = round % 2 === 0 ? ['stowage', 'peer'] : ['peer', 'stowage'];
    for (const side of order) results[side].push(await sides[side](round));
  }
  return { stowage: median(results.stowage), peer: median(results.peer) };
}

/** Peak resident memory of a process so far (VmHWM), in MB. */
export async function peakRssMb(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/VmHWM:\s+(\d+) kB/.exec(status)?.[1] ?? NaN);
  return kb / 1024;
}

export function formatTable(rows: Row[]): string {
  const header = ['scenario', 'stowage', 'peer', 'stowage/peer', 'target', 'met'];
  const lines = rows.map((row) => {
    const ratio = row.stowage / row.peer;
    const target = row.target;
    let targetText = '';
    let met = '';
    if (target && 'ratio' in target) {
      targetText = `${target.better === 'lower' ? '≤' : '≥'} ${target.ratio}`;
      met = (target.better === 'lower' ? ratio <= target.ratio : ratio >= target.ratio) ? 'yes' : 'NO';
    } else if (target) {
      targetText = `≤ ${target.absolute} ${row.unit}`;
      met = row.stowage <= target.absolute ? 'yes' : 'NO';
    }
    return [
      row.scenario,
      `${round(row.stowage)} ${row.unit}`,
      Number.isFinite(row.peer) ? `${round(row.peer)} ${row.unit} (${row.peerName})` : row.peerName,
      Number.isFinite(ratio) ? round(ratio) : '',
      targetText,
      met + (row.note ? ` ${row.note}` : ''),
    ];
  });
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => String(l[i]).length)));
  const fmt = (cells: Array<string | number>) =>
    cells
      .map((c, i) => String(c).padEnd(widths[i] ?? 0))
      .join('  ')
      .trimEnd();
  return [fmt(header), ...lines.map(fmt)].join('\n');
}

function round(n: number): string {
  // Below 0.1, two significant digits: a ratio of 0.004 is not 0.00.
  return n >= 100 ? n.toFixed(0) : n >= 10 ? n.toFixed(1) : n >= 0.1 || n === 0 ? n.toFixed(2) : n.toPrecision(2);
}

/** The bundle users run (package.json `bin`); the unbundled build when there is none. */
export async function bundledCli(): Promise<string> {
  const bundle = join(REPO_ROOT, 'dist', 'bundle', 'main.mjs');
  try {
    await access(bundle);
    return bundle;
  } catch {
    return STOWAGE_CLI;
  }
}
