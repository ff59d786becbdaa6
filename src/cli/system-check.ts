import type { CheckReport } from '../store/types.js';
import { openStore } from './store-access.js';
import { print } from './verb-output.js';

/**
 * `stowage system check [--repair]`: every problem on its own line, then a summary. The exit
 * status is 1 (through the one error line) while anything is still wrong, so scripts and CI can
 * run it as a gate.
 */
export async function systemCheck(options: Record<string, unknown>): Promise<void> {
  const store = await openStore(options);
  const report = await store.check({ repair: options.repair === true });
  const { text, remaining } = describeCheck(report);
  print(text);
  if (remaining > 0) {
    const hint = options.repair === true ? '' : '; run `stowage system check --repair` to remove what can be removed';
    throw new Error(`${remaining} problem${remaining === 1 ? '' : 's'} found in the store${hint}`);
  }
}

interface Problem {
  line: string;
  /** Digests or paths a `repaired` line names when --repair dealt with this problem. */
  keys: string[];
}

export function describeCheck(report: CheckReport): { text: string; remaining: number } {
  const problems: Problem[] = [
    ...report.corrupt.map((d) => ({ line: `corrupt blob: ${d} (its content does not match its digest)`, keys: [d] })),
    ...report.missing.map((m) => ({ line: `missing blob: ${m.digest} (needed by ${m.image})`, keys: [m.digest, m.image] })),
    ...report.unreferenced.map((d) => ({ line: `unreferenced blob: ${d}`, keys: [d] })),
    ...report.staleStaging.map((p) => ({ line: `stale staging area: ${p}`, keys: [p] })),
  ];
  const remaining = problems.filter((p) => !p.keys.some((k) => report.repaired.some((r) => r.includes(k)))).length;
  const lines = [...problems.map((p) => p.line), ...report.repaired];
  if (problems.length === 0) lines.push('No problems found.');
  else if (report.repaired.length > 0) lines.push(`${problems.length - remaining} of ${problems.length} problems repaired.`);
  return { text: lines.map((l) => `${l}\n`).join(''), remaining };
}
