import { createInterface } from 'node:readline';

/**
 * docker's prompt.Confirm: the warning, " [y/N] ", and only "y" goes on. Without a terminal
 * nobody can answer, so instead of reading a pipe we refuse and name the flag that skips it.
 */
export async function confirm(warning: string, force: boolean, flagName = '-f'): Promise<boolean> {
  if (force) return true;
  if (!process.stdin.isTTY) {
    throw new Error(`standard input is not a terminal, so nobody can confirm this; add ${flagName} to go ahead without asking`);
  }
  process.stdout.write(`${warning} [y/N] `);
  const answer = await readLine();
  return answer.trim().toLowerCase() === 'y';
}

async function readLine(): Promise<string> {
  const lines = createInterface({ input: process.stdin, terminal: false });
  try {
    for await (const line of lines) return line;
    return '';
  } finally {
    lines.close();
  }
}
