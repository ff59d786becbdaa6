// Helpers for tests that drive real processes: Stowage's CLI, CNCF distribution's
// docker-registry and command-line clients such as skopeo.
//
// Every process started here is tracked; call stopAll() (and removeTempDirs()) from an
// `after` hook so nothing survives a failing test. As a last resort a process 'exit'
// handler SIGKILLs whatever is still tracked.

import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { mkdtemp, rm, writeFile, readFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml } from 'yaml';

/** Repository root (this file compiles to dist/test/support/process.js). */
export const REPO_ROOT = resolve(fileURLToPath(new URL('../../../', import.meta.url)));
/** The compiled CLI beside this file's own build (dist/, or any --outDir), so a build tests itself. */
export const STOWAGE_CLI = process.env.STOWAGE_CLI ?? fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));
export const DISTRIBUTION_BIN = process.env.DOCKER_REGISTRY_BIN ?? 'docker-registry';

// ---------------------------------------------------------------------------
// Process tracking

const tracked = new Set<ChildProcess>();

process.on('exit', () => {
  for (const child of tracked) {
    try {
      child.kill('SIGKILL');
    } catch {
      // already gone
    }
  }
});

function track(child: ChildProcess): void {
  tracked.add(child);
  child.once('exit', () => tracked.delete(child));
}

function exited(child: ChildProcess): boolean {
  return child.exitCode !== null || child.signalCode !== null;
}

export interface ExitStatus {
  code: number | null;
  signal: NodeJS.Signals | null;
}

function waitExit(child: ChildProcess, timeoutMs: number): Promise<ExitStatus | undefined> {
  if (exited(child)) return Promise.resolve({ code: child.exitCode, signal: child.signalCode });
  return new Promise((resolvePromise) => {
    const timer = setTimeout(() => {
      child.off('exit', onExit);
      resolvePromise(undefined);
    }, timeoutMs);
    const onExit = (code: number | null, signal: NodeJS.Signals | null): void => {
      clearTimeout(timer);
      resolvePromise({ code, signal });
    };
    child.once('exit', onExit);
  });
}

/**
 * Sends SIGTERM, waits up to graceMs for the process to exit, then SIGKILLs it.
 * Resolves with how it exited (signal SIGKILL if it had to be killed).
 */
export async function stopProcess(child: ChildProcess, graceMs = 10_000): Promise<ExitStatus> {
  if (exited(child)) return { code: child.exitCode, signal: child.signalCode };
  child.kill('SIGTERM');
  const status = await waitExit(child, graceMs);
  if (status) return status;
  child.kill('SIGKILL');
  return (await waitExit(child, 5_000)) ?? { code: null, signal: 'SIGKILL' };
}

/** Stops every process started by these helpers that is still running. */
export async function stopAll(): Promise<void> {
  await Promise.all([...tracked].map((child) => stopProcess(child, 5_000)));
}

// ---------------------------------------------------------------------------
// Temporary directories

const tempDirs = new Set<string>();

export async function makeTempDir(prefix = 'stowage-test-'): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  tempDirs.add(dir);
  return dir;
}

/** Removes every directory created by makeTempDir. Set KEEP_TEST_DIRS=1 to keep them. */
export async function removeTempDirs(): Promise<void> {
  if (process.env.KEEP_TEST_DIRS) return;
  const dirs = [...tempDirs];
  tempDirs.clear();
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
}

// ---------------------------------------------------------------------------
// Running commands

export interface RunOptions {
  timeoutMs?: number;
  cwd?: string;
  env?: NodeJS.ProcessEnv;
}

export interface RunResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
  /** The command line, for messages. */
  command: string;
}

/** Runs cmd with args to completion (killed after timeoutMs, default 120 s). Never rejects on a non-zero exit. */
export function run(cmd: string, args: string[], opts: RunOptions = {}): Promise<RunResult> {
  const timeoutMs = opts.timeoutMs ?? 120_000;
  const command = [cmd, ...args].join(' ');
  return new Promise((resolvePromise, reject) => {
    const child = spawn(cmd, args, {
      cwd: opts.cwd,
      env: opts.env ?? process.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    track(child);
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    child.stdout?.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr?.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, timeoutMs);
    child.once('error', (err) => {
      clearTimeout(timer);
      reject(new Error(`cannot run ${command}: ${err.message}`));
    });
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      resolvePromise({ code, signal, stdout, stderr, timedOut, command });
    });
  });
}

/** Like run, but rejects with the command, exit status and output unless it exits 0. */
export async function runOk(cmd: string, args: string[], opts: RunOptions = {}): Promise<RunResult> {
  const r = await run(cmd, args, opts);
  if (r.code !== 0) throw new Error(describeFailure(r));
  return r;
}

export function describeFailure(r: RunResult): string {
  const status = r.timedOut ? 'timed out' : r.signal ? `killed by ${r.signal}` : `exit ${r.code}`;
  return `\`${r.command}\` failed (${status})\n--- stderr ---\n${r.stderr.trim()}\n--- stdout ---\n${r.stdout.trim()}`;
}

/** Runs skopeo; rejects with its output unless it exits 0. */
export function skopeo(args: string[], opts: RunOptions = {}): Promise<RunResult> {
  return runOk('skopeo', args, opts);
}

// ---------------------------------------------------------------------------
// Ports and HTTP readiness

/** A port that was free a moment ago (listen on 0, read it, close). */
export function freePort(): Promise<number> {
  return new Promise((resolvePromise, reject) => {
    const srv = createServer();
    srv.unref();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      if (addr === null || typeof addr === 'string') {
        srv.close();
        reject(new Error('no port'));
        return;
      }
      const port = addr.port;
      srv.close(() => resolvePromise(port));
    });
  });
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

// ---------------------------------------------------------------------------
// Long-running servers

export interface ServerHandle {
  /** Base URL, e.g. http://127.0.0.1:41234 */
  url: string;
  /** host:port, as skopeo wants it in docker:// references. */
  host: string;
  /** Storage root directory. */
  root: string;
  process: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** SIGTERM, then SIGKILL after a grace period. Resolves with the exit status. */
  stop(): Promise<ExitStatus>;
}

export interface StartStowageOptions {
  /** Storage root (--root); a new temporary directory when neither root nor config is given. */
  root?: string;
  /** Path to a config.yml passed as the positional CONFIG argument. */
  config?: string;
  /** Extra arguments after `serve`. */
  args?: string[];
  /** --addr value; default 127.0.0.1:0; false to pass no --addr (e.g. when the config sets it). */
  addr?: string | false;
  env?: NodeJS.ProcessEnv;
  /** How long to wait for the listening line; default 20 s. */
  timeoutMs?: number;
  /** Send the server's stderr (its log) to this file instead of keeping it (`stderr()` is then empty): for benchmarks that log a line per request. */
  logFile?: string;
}

const LISTENING_RE = /listening on (https?:\/\/[^\s"'\\,}]+)/;

function clientUrl(raw: string): string {
  const u = new URL(raw);
  if (u.hostname === '0.0.0.0' || u.hostname === '[::]' || u.hostname === '::') u.hostname = '127.0.0.1';
  return u.origin;
}

/**
 * Spawns `node dist/src/cli/main.js serve [CONFIG] --addr 127.0.0.1:0 [--root DIR] ARGS`,
 * waits for the `listening on http://HOST:PORT` line and returns its URL.
 * Rejects with the captured output if the process exits first or never says it listens.
 */
export async function startStowage(opts: StartStowageOptions = {}): Promise<ServerHandle> {
  let root = opts.root;
  if (root === undefined && opts.config === undefined) root = await makeTempDir('stowage-root-');
  if (root === undefined && opts.config !== undefined) {
    const cfg = parseYaml(await readFile(opts.config, 'utf8')) as {
      storage?: { filesystem?: { rootdirectory?: string } };
    } | null;
    root = cfg?.storage?.filesystem?.rootdirectory ?? '';
  }
  const args = [STOWAGE_CLI, 'serve'];
  if (opts.config !== undefined) args.push(opts.config);
  const addr = opts.addr ?? '127.0.0.1:0';
  if (addr !== false) args.push('--addr', addr);
  if (opts.root !== undefined || opts.config === undefined) args.push('--root', root ?? '');
  args.push(...(opts.args ?? []));

  const log = opts.logFile === undefined ? undefined : openSync(opts.logFile, 'a');
  const child = spawn(process.execPath, args, {
    cwd: REPO_ROOT,
    env: opts.env ?? process.env,
    stdio: ['ignore', 'pipe', log ?? 'pipe'],
  });
  if (log !== undefined) closeSync(log);
  track(child);
  let stdout = '';
  let stderr = '';
  child.stdout?.setEncoding('utf8');
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (d: string) => (stderr += d));

  const command = `node ${args.map((a) => (a === STOWAGE_CLI ? 'dist/src/cli/main.js' : a)).join(' ')}`;
  const url = await new Promise<string>((resolvePromise, reject) => {
    const timer = setTimeout(() => {
      cleanup();
      child.kill('SIGKILL');
      reject(new Error(`${command}: no "listening on" line within ${opts.timeoutMs ?? 20_000} ms\n--- stdout ---\n${stdout}\n--- stderr ---\n${stderr}`));
    }, opts.timeoutMs ?? 20_000);
    const onData = (d: string): void => {
      stdout += d;
      const m = LISTENING_RE.exec(stdout);
      if (m?.[1]) {
        cleanup();
        resolvePromise(clientUrl(m[1]));
      }
    };
    const onExit = (code: number | null, signal: NodeJS.Signals | null): void => {
      cleanup();
      // Let the remaining stderr arrive before reporting.
      setTimeout(() => {
        reject(new Error(`${command} exited early (code ${code}, signal ${signal})\n--- stderr ---\n${stderr}\n--- stdout ---\n${stdout}`));
      }, 50);
    };
    const onError = (err: Error): void => {
      cleanup();
      reject(new Error(`${command}: ${err.message}`));
    };
    const cleanup = (): void => {
      clearTimeout(timer);
      child.off('exit', onExit);
      child.off('error', onError);
      child.stdout?.off('data', onData);
      child.stdout?.on('data', (d: string) => (stdout += d));
    };
    child.stdout?.on('data', onData);
    child.once('exit', onExit);
    child.once('error', onError);
  });

  return {
    url,
    host: new URL(url).host,
    root: root ?? '',
    process: child,
    stdout: () => stdout,
    stderr: () => stderr,
    stop: () => stopProcess(child),
  };
}

export interface StartDistributionOptions {
  /** The filesystem driver's root; ignored with `storage`. */
  root: string;
  /** A storage driver section instead of the filesystem's, as YAML in flow style (`s3: {...}`). */
  storage?: string;
  deleteEnabled?: boolean;
  timeoutMs?: number;
  /** YAML appended to the config: top-level sections (`auth:` with htpasswd, `proxy:`). */
  extraConfig?: string;
  /** distribution's log.level (default info). */
  logLevel?: 'error' | 'warn' | 'info' | 'debug';
  /** The `GET /v2/` status that means it is up (default 200; 401 behind auth). */
  readyStatus?: number;
}

/**
 * Starts CNCF distribution (`docker-registry serve CONFIG`) on a free 127.0.0.1 port with
 * filesystem storage at root, and waits until `GET /v2/` answers.
 */
export async function startDistribution(opts: StartDistributionOptions): Promise<ServerHandle> {
  let lastError: Error | undefined;
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      return await startDistributionOnce(opts);
    } catch (err) {
      lastError = err as Error;
      // Another process may have taken the port between freePort() and the bind: retry.
      if (!/address already in use/i.test(lastError.message)) throw lastError;
    }
  }
  throw lastError ?? new Error('cannot start distribution');
}

async function startDistributionOnce(opts: StartDistributionOptions): Promise<ServerHandle> {
  const port = await freePort();
  const confDir = await makeTempDir('distribution-conf-');
  const configPath = join(confDir, 'config.yml');
  const config = [
    'version: 0.1',
    'log:',
    `  level: ${opts.logLevel ?? 'info'}`,
    '  accesslog:',
    '    disabled: true',
    'storage:',
    ...(opts.storage ? [`  ${opts.storage}`] : ['  filesystem:', `    rootdirectory: ${JSON.stringify(opts.root)}`]),
    '  delete:',
    `    enabled: ${opts.deleteEnabled ? 'true' : 'false'}`,
    '  maintenance:',
    '    uploadpurging:',
    '      enabled: false',
    'http:',
    `  addr: 127.0.0.1:${port}`,
    '  secret: stowage-interop-tests',
    'health:',
    '  storagedriver:',
    '    enabled: false',
    ...(opts.extraConfig ? [opts.extraConfig] : []),
    '',
  ].join('\n');
  await writeFile(configPath, config);

  // Debian's docker-registry 2.8 panics in its S3 driver when AWS_CA_BUNDLE is set.
  const { AWS_CA_BUNDLE: _, ...env } = process.env;
  const child = spawn(DISTRIBUTION_BIN, ['serve', configPath], {
    cwd: confDir,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  track(child);
  let stdout = '';
  let stderr = '';
  child.stdout?.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr?.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  let spawnError: Error | undefined;
  child.once('error', (err) => (spawnError = err));

  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + (opts.timeoutMs ?? 20_000);
  for (;;) {
    if (spawnError) throw new Error(`cannot run ${DISTRIBUTION_BIN}: ${spawnError.message}`);
    if (exited(child)) {
      await sleep(50);
      throw new Error(`${DISTRIBUTION_BIN} serve exited early (code ${child.exitCode})\n--- stderr ---\n${stderr}\n--- stdout ---\n${stdout}`);
    }
    try {
      const res = await fetch(`${url}/v2/`, { signal: AbortSignal.timeout(2_000) });
      await res.arrayBuffer();
      if (res.status === (opts.readyStatus ?? 200)) break;
    } catch {
      // not up yet
    }
    if (Date.now() > deadline) {
      await stopProcess(child, 2_000);
      throw new Error(`${DISTRIBUTION_BIN} did not answer GET /v2/ at ${url}\n--- stderr ---\n${stderr}`);
    }
    await sleep(100);
  }

  return {
    url,
    host: `127.0.0.1:${port}`,
    root: opts.root,
    process: child,
    stdout: () => stdout,
    stderr: () => stderr,
    stop: () => stopProcess(child),
  };
}
