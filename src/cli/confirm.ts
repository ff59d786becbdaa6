import { createInterface } from 'node:readline';

/**
 * docker's prompt.Confirm (cli/internal/prompt): the warning, " [y/N] ", then one line of
 * standard input, whatever it is (a terminal or a pipe: `echo y | stowage image prune -a` goes
 * on, as with docker); only "y" or "Y" (spaces trimmed) goes on, and end of input means no.
 * With `force` (-f) nothing is printed and nothing is read.
 */
export async function confirm(warning: string, force: boolean): Promise<boolean> {
  if (force) return true;
  // Ctrl-C ends the line as docker's prompt does (a newline) and exits 130. Caught before the
  // prompt shows: someone may answer it with Ctrl-C the moment it does.
  const interrupted = (): void => {
    process.stdout.write('\n');
    process.exit(130);
  };
  process.once('SIGINT', interrupted);
  const lines = createInterface({ input: process.stdin, terminal: false });
  try {
    process.stdout.write(`${warning} [y/N] `);
    return (await firstLine(lines)).trim().toLowerCase() === 'y';
  } finally {
    process.off('SIGINT', interrupted);
    lines.close();
    // A pipe left open by the writer would otherwise keep the process alive after the answer.
    process.stdin.destroy();
  }
}

/** One line, or '' at end of input. */
async function firstLine(lines: AsyncIterable<string>): Promise<string> {
  for await (const line of lines) return line;
  return '';
}
