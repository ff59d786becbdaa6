import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, realpath } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { StowageError } from '../../../errors/error.js';
import { writeFileAtomic } from '../../../fs/durable.js';

/**
 * Docker's credential sources (docker/cli `cli/config`), read and written the way docker does
 * so a `docker login` serves Stowage and a `stowage login` serves docker.
 */
export type Credential = { username: string; password: string } | { identityToken: string; username?: string };

export interface CredentialStore {
  get(registry: string): Promise<Credential | undefined>;
  store(registry: string, credential: { username: string; password: string }): Promise<void>;
  /** false when there was nothing to erase. */
  erase(registry: string): Promise<boolean>;
}

/** Docker Hub's historic key: docker/cli keeps writing it (registry.IndexServer). */
const DOCKER_HUB_KEY = 'https://index.docker.io/v1/';
const DOCKER_HUB_HOSTS = new Set(['docker.io', 'index.docker.io', 'registry-1.docker.io']);
/** docker-credential-helpers' Username for an identity token (credentials/credentials.go). */
const TOKEN_USERNAME = '<token>';
/** A helper may ask the user (a keychain prompt), so it gets time, but not forever. */
const HELPER_TIMEOUT_MS = 60_000;

/**
 * The config.json key for a registry: docker's ConvertToHostname (scheme and path dropped),
 * with Docker Hub's aliases mapped to its historic URL key.
 */
export function configKey(registry: string): string {
  const host =
    registry
      .trim()
      .replace(/^[a-z][a-z0-9+.-]*:\/\//i, '')
      .split('/')[0] ?? '';
  return DOCKER_HUB_HOSTS.has(host.toLowerCase()) ? DOCKER_HUB_KEY : host;
}

type ConfigFile = Record<string, unknown> & { auths?: Record<string, Record<string, unknown>> };

interface HelperResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export class DockerConfigCredentials implements CredentialStore {
  readonly file: string;
  private readonly env: NodeJS.ProcessEnv;
  /** Writes in this process are serialised: each is a read-modify-write of the whole file. */
  private writes: Promise<unknown> = Promise.resolve();

  constructor(options: { configDir?: string; env?: NodeJS.ProcessEnv } = {}) {
    this.env = options.env ?? process.env;
    const dir = options.configDir ?? (this.env.DOCKER_CONFIG || join(this.env.HOME || homedir(), '.docker'));
    this.file = join(dir, 'config.json');
  }

  async get(registry: string): Promise<Credential | undefined> {
    const key = configKey(registry);
    const config = await this.read();
    if (!config) return undefined;
    const helper = this.helperFor(config, key);
    if (helper) {
      const found = await this.helperGet(helper, key);
      if (found) return found;
    }
    // Inline credentials are the fallback even with a helper configured: a login made before
    // the helper was set up keeps working (docker/cli would ignore it; nothing is lost here).
    const entry = findEntry(config.auths, key);
    return entry ? this.decodeEntry(entry.key, entry.value) : undefined;
  }

  store(registry: string, credential: { username: string; password: string }): Promise<void> {
    return this.serialised(async () => {
      const key = configKey(registry);
      const config = (await this.read()) ?? {};
      const auths = (config.auths ??= {});
      const helper = this.helperFor(config, key);
      if (helper) {
        const input = JSON.stringify({ ServerURL: key, Username: credential.username, Secret: credential.password });
        const result = await this.runHelper(helper, 'store', input);
        if (result.code !== 0) throw this.helperFailure(helper, 'store', result, credential.password);
        // docker/cli's native store keeps an entry without secrets so `docker info` etc. list the login.
        auths[key] = {};
      } else {
        auths[key] = { auth: Buffer.from(`${credential.username}:${credential.password}`).toString('base64') };
      }
      await this.write(config);
    });
  }

  erase(registry: string): Promise<boolean> {
    return this.serialised(async () => {
      const key = configKey(registry);
      const config = await this.read();
      if (!config) return false;
      let erased = false;
      const helper = this.helperFor(config, key);
      if (helper) {
        const result = await this.runHelper(helper, 'erase', key);
        if (result.code === 0) erased = true;
        else if (!notFound(result)) throw this.helperFailure(helper, 'erase', result);
      }
      // Every alias (`https://host`, `http://host/v2/`) goes, or get() would still find one.
      let removed = false;
      for (const k of Object.keys(config.auths ?? {})) {
        if (k === key || configKey(k) === key) {
          delete config.auths![k];
          removed = true;
        }
      }
      if (removed) await this.write(config);
      return erased || removed;
    });
  }

  private serialised<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.writes.then(fn, fn);
    this.writes = next.catch(() => undefined);
    return next;
  }

  /** The parsed config, or undefined when there is none (no config means no credentials). */
  private async read(): Promise<ConfigFile | undefined> {
    let text: string;
    try {
      text = await readFile(this.file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw new StowageError('CONFIG_INVALID', `cannot read docker config ${this.file}: ${(err as NodeJS.ErrnoException).code ?? 'error'}`);
    }
    if (text.trim() === '') return {};
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      // JSON.parse's message quotes the file's text, which may hold secrets: it is not repeated.
      throw new StowageError('CONFIG_INVALID', `docker config ${this.file} is not valid JSON; fix or remove it`);
    }
    if (!isObject(parsed)) throw new StowageError('CONFIG_INVALID', `docker config ${this.file} is not a JSON object`);
    const { auths, credHelpers, credsStore } = parsed;
    const badAuths = auths !== undefined && (!isObject(auths) || !Object.values(auths).every(isObject));
    const badHelpers = credHelpers !== undefined && (!isObject(credHelpers) || !Object.values(credHelpers).every((v) => typeof v === 'string'));
    if (badAuths || badHelpers || (credsStore !== undefined && typeof credsStore !== 'string')) {
      const field = badAuths ? 'auths' : badHelpers ? 'credHelpers' : 'credsStore';
      throw new StowageError('CONFIG_INVALID', `docker config ${this.file}: "${field}" has the wrong shape`);
    }
    return parsed as ConfigFile;
  }

  /** Atomic replace (temp file, fsync, rename, fsync dir), through a symlinked config.json as docker does. */
  private async write(config: ConfigFile): Promise<void> {
    await mkdir(dirname(this.file), { recursive: true, mode: 0o700 });
    const target = await realpath(this.file).catch(() => this.file);
    const temp = join(dirname(target), `.config.json.${randomBytes(6).toString('hex')}.tmp`);
    try {
      await writeFileAtomic(target, Buffer.from(`${JSON.stringify(config, null, '\t')}\n`), { temp, mode: 0o600 });
    } catch (err) {
      throw new StowageError('CONFIG_INVALID', `cannot write docker config ${target}: ${(err as NodeJS.ErrnoException).code ?? 'error'}`);
    }
  }

  /** credHelpers[host] wins over credsStore (docker/cli configfile.GetCredentialsStore). */
  private helperFor(config: ConfigFile, key: string): string | undefined {
    const helpers = (config.credHelpers ?? {}) as Record<string, string>;
    const match = helpers[key] ?? Object.entries(helpers).find(([k]) => configKey(k) === key)?.[1];
    const name = match || (typeof config.credsStore === 'string' ? config.credsStore : '');
    if (!name) return undefined;
    // The name becomes part of an executable's name: no path tricks.
    if (!/^[A-Za-z0-9._-]+$/.test(name)) {
      throw new StowageError('CONFIG_INVALID', `docker config ${this.file}: invalid credential helper name "${name.slice(0, 60)}"`);
    }
    return name;
  }

  private async helperGet(helper: string, key: string): Promise<Credential | undefined> {
    const result = await this.runHelper(helper, 'get', key);
    if (result.code !== 0) {
      if (notFound(result)) return undefined;
      throw this.helperFailure(helper, 'get', result);
    }
    let reply: { Username?: unknown; Secret?: unknown };
    try {
      reply = JSON.parse(result.stdout) as typeof reply;
    } catch {
      throw new StowageError('CONFIG_INVALID', `docker-credential-${helper} get returned something other than JSON`);
    }
    const username = typeof reply.Username === 'string' ? reply.Username : '';
    const secret = typeof reply.Secret === 'string' ? reply.Secret : '';
    if (!secret) return undefined;
    return username === TOKEN_USERNAME ? { identityToken: secret } : { username, password: secret };
  }

  /** The docker-credential-helpers protocol: the action as argv[1], its input on stdin. */
  private runHelper(helper: string, action: 'get' | 'store' | 'erase', input: string): Promise<HelperResult> {
    const command = `docker-credential-${helper}`;
    return new Promise((resolve, reject) => {
      const child = spawn(command, [action], { env: this.env, stdio: ['pipe', 'pipe', 'pipe'] });
      // Not spawn's `timeout` option: its timer outlives a child that failed to start (ENOENT).
      const timer = setTimeout(() => child.kill('SIGKILL'), HELPER_TIMEOUT_MS);
      const stdout: Buffer[] = [];
      const stderr: Buffer[] = [];
      child.stdout.on('data', (b: Buffer) => stdout.push(b));
      child.stderr.on('data', (b: Buffer) => stderr.push(b));
      child.on('error', (err: NodeJS.ErrnoException) => {
        clearTimeout(timer);
        const why = err.code === 'ENOENT' ? 'is not installed or not on PATH' : `could not be run (${err.code ?? err.message})`;
        reject(new StowageError('CONFIG_INVALID', `credential helper ${command} (configured in ${this.file}) ${why}`));
      });
      child.on('close', (code) => {
        clearTimeout(timer);
        resolve({ code, stdout: Buffer.concat(stdout).toString('utf8'), stderr: Buffer.concat(stderr).toString('utf8') });
      });
      child.stdin.on('error', () => undefined); // a helper that exits without reading: its exit code tells
      child.stdin.end(input);
    });
  }

  private helperFailure(helper: string, action: string, result: HelperResult, secret?: string): StowageError {
    let said = (result.stderr.trim() || result.stdout.trim()).split('\n')[0]?.slice(0, 200) ?? '';
    if (secret) said = said.split(secret).join('***');
    const status = result.code === null ? 'was killed (timeout?)' : `exited ${result.code}`;
    return new StowageError('INTERNAL', `docker-credential-${helper} ${action} ${status}${said ? `: ${said}` : ''}`);
  }

  private decodeEntry(key: string, entry: Record<string, unknown>): Credential | undefined {
    let username = typeof entry.username === 'string' ? entry.username : '';
    let password = typeof entry.password === 'string' ? entry.password : '';
    if (typeof entry.auth === 'string' && entry.auth !== '') {
      const decoded = Buffer.from(entry.auth, 'base64').toString('utf8');
      const colon = decoded.indexOf(':');
      if (colon < 0) throw new StowageError('CONFIG_INVALID', `docker config ${this.file}: auths["${key}"].auth is not base64 of "user:password"`);
      username = decoded.slice(0, colon);
      password = decoded.slice(colon + 1);
    }
    if (typeof entry.identitytoken === 'string' && entry.identitytoken !== '') {
      return username ? { identityToken: entry.identitytoken, username } : { identityToken: entry.identitytoken };
    }
    return username || password ? { username, password } : undefined;
  }
}

/** An exact key first, then a key written as a URL (`https://host`, `http://host/v2/`), as docker matches. */
function findEntry(auths: ConfigFile['auths'], key: string): { key: string; value: Record<string, unknown> } | undefined {
  if (!auths) return undefined;
  const exact = auths[key];
  if (exact) return { key, value: exact };
  for (const [k, value] of Object.entries(auths)) if (configKey(k) === key) return { key: k, value };
  return undefined;
}

/** docker-credential-helpers' ErrCredentialsNotFound, as docker/cli recognises it. */
function notFound(result: HelperResult): boolean {
  return /credentials not found/i.test(result.stdout) || /credentials not found/i.test(result.stderr);
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
