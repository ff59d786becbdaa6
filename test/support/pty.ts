// Runs a command on a pseudo-terminal, as a user at a terminal runs it: stdin, stdout and stderr
// are the PTY (isTTY true), so the CLI draws progress bars and asks its prompts.
//
// The PTY comes from util-linux's `script -qfec CMD /dev/null` (Debian's bsdutils, an essential
// package: nothing to compile, no Python): script opens the PTY, runs CMD on it as the foreground
// process group, copies what CMD writes to its own stdout as it comes (-f), copies its own stdin to
// the PTY, and exits with CMD's status (-e; 128 + the signal when a signal ended CMD). Writing "\x03" to script's stdin is typing Ctrl-C: the PTY's line discipline turns
// it into SIGINT for CMD's process group, exactly as at a real terminal.

import { spawn, type ChildProcess } from 'node:child_process';

export interface PtyProcess {
  /** Everything CMD wrote so far (stdout and stderr interleaved, as on a screen; \r\n line ends). */
  output(): string;
  /** Types on the terminal: "y\r" answers a prompt, "\x03" is Ctrl-C. */
  type(text: string): void;
  /** Resolves once the output matches, rejects if CMD exits first or after timeoutMs. */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<void>;
  /** CMD's exit code (script -e hands it on). */
  exited: Promise<number | null>;
  child: ChildProcess;
}

export interface PtyOptions {
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** Terminal size; default 120x40 (a PTY script opens without a terminal of its own is 0x0). */
  columns?: number;
  rows?: number;
}

/** Starts `cmd args` on a fresh PTY. */
export function spawnPty(cmd: string, args: string[], options: PtyOptions = {}): PtyProcess {
  const line = `stty cols ${options.columns ?? 120} rows ${options.rows ?? 40}; exec ${[cmd, ...args].map(shellQuote).join(' ')}`;
  const child = spawn('script', ['-qfec', line, '/dev/null'], {
    cwd: options.cwd,
    env: { TERM: 'xterm-256color', ...(options.env ?? process.env), SHELL: '/bin/sh' },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let output = '';
  const waiters = new Set<() => void>();
  const onData = (d: Buffer): void => {
    output += d.toString('utf8');
    for (const check of waiters) check();
  };
  child.stdout?.on('data', onData);
  child.stderr?.on('data', onData);
  const exited = new Promise<number | null>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code) => {
      for (const check of waiters) check();
      resolve(code);
    });
  });
  return {
    child,
    output: () => output,
    type: (text) => void child.stdin?.write(text),
    exited,
    waitFor: (pattern, timeoutMs = 60_000) =>
      new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => finish(new Error(`no ${pattern} on the terminal within ${timeoutMs} ms; it shows:\n${output}`)), timeoutMs);
        const finish = (err?: Error): void => {
          clearTimeout(timer);
          waiters.delete(check);
          if (err) reject(err);
          else resolve();
        };
        const check = (): void => {
          if (pattern.test(output)) finish();
          else if (child.exitCode !== null || child.signalCode !== null) finish(new Error(`exited before ${pattern} showed; it shows:\n${output}`));
        };
        waiters.add(check);
        check();
      }),
  };
}

/** Runs `cmd args` on a PTY to the end; resolves with its exit code and what it showed. */
export async function runPty(
  cmd: string,
  args: string[],
  options: PtyOptions & { input?: string; timeoutMs?: number } = {},
): Promise<{ code: number | null; output: string }> {
  const pty = spawnPty(cmd, args, options);
  if (options.input !== undefined) pty.type(options.input);
  const timer = setTimeout(() => pty.child.kill('SIGKILL'), options.timeoutMs ?? 120_000);
  try {
    const code = await pty.exited;
    return { code, output: pty.output() };
  } finally {
    clearTimeout(timer);
  }
}

function shellQuote(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}
