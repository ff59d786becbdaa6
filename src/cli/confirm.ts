import { createInterface } from 'node:readline';

/**
 * docker's prompt.Confirm (cli/internal/prompt): the warning, " [y/N] ", then one line of
 * standard input, whatever it is (a terminal or a pipe: `echo y | stowage image prune -a` goes
 * on, as with docker); only "y" or "Y" (spaces trimmed) goes on, and end of input means no.
 * With `force` (-f) nothing is printed and nothing is read.
 */
export async function confirm(warning: string, force: boolean): Promise<boolean> {
  if (force) return true;
  process.stdout.write(`${warning} [y/N] `);
  const answer = await readLine();
  return answer.trim().toLowerCase() === 'y';
}

/** One line, or '' at end of input. Ctrl-C ends the line as docker's does (a newline), and exits 130. */
async function readLine(): Promise<string> {
  const lines = createInterface({ input: process.stdin, terminal: false });
  const interrupted = (): void => {
    process.stdout.write('\n');
    process.exit(130);
  };
  process.once('SIGINT', interrupted);
  try {
    for await (const line of lines) return line;
    return '';
  } finally {
    process.off('SIGINT', interrupted);
    lines.close();
    // A pipe left open by the writer would otherwise keep the process alive after the answer.
    process.stdin.destroy();
  }
}
