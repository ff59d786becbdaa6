import { createInterface } from 'node:readline';
import { StowageError, isStowageError } from '../errors/error.js';
import type { Credential, CredentialStore } from '../registry/client/auth/credentials.js';
import { registryClient } from './registry-options.js';

/**
 * `stowage login [SERVER]`: checks the credentials against the registry (the same challenge
 * and token flow a pull uses), then stores them where docker keeps them, so both share logins.
 */
export async function login(server: string | undefined, options: Record<string, unknown>): Promise<void> {
  const registry = normaliseServer(server);
  const username = typeof options.username === 'string' ? options.username : await prompt('Username: ', false);
  const password = options.passwordStdin ? await readStdin() : typeof options.password === 'string' ? options.password : await prompt('Password: ', true);
  if (!username || !password) throw new StowageError('UNAUTHORIZED', 'a username and a password are required');
  const { DockerConfigCredentials } = await import('../registry/client/auth/credentials.js');
  const store = new DockerConfigCredentials();
  const client = await registryClient(options, { credentials: fixedCredentials(registry, { username, password }) });
  try {
    await client.ping(registry);
  } catch (err) {
    if (isStowageError(err, 'UNAUTHORIZED') || isStowageError(err, 'DENIED')) {
      throw new StowageError('UNAUTHORIZED', `login to ${registry} as ${username} failed: ${err.message}`);
    }
    throw err;
  } finally {
    await client.close();
  }
  await store.store(registry, { username, password });
  process.stdout.write('Login Succeeded\n');
}

/** `stowage logout [SERVER]`. */
export async function logout(server: string | undefined): Promise<void> {
  const registry = normaliseServer(server);
  const { DockerConfigCredentials } = await import('../registry/client/auth/credentials.js');
  const removed = await new DockerConfigCredentials().erase(registry);
  process.stdout.write(removed ? `Removing login credentials for ${registry}\n` : `Not logged in to ${registry}\n`);
}

/** docker's forms: none (Docker Hub), `host[:port]`, or a URL. */
function normaliseServer(server: string | undefined): string {
  if (!server) return 'docker.io';
  const host = server.includes('://') ? new URL(server).host : server.replace(/\/.*$/, '');
  return host === 'index.docker.io' || host === 'registry-1.docker.io' ? 'docker.io' : host;
}

function fixedCredentials(registry: string, credential: Credential): CredentialStore {
  return {
    get: async (host) => (host === registry ? credential : undefined),
    store: async () => undefined,
    erase: async () => false,
  };
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks)
    .toString('utf8')
    .replace(/\r?\n$/, '');
}

/** Reads a line from the terminal; a password is not echoed. */
async function prompt(question: string, secret: boolean): Promise<string> {
  if (!process.stdin.isTTY) throw new StowageError('UNAUTHORIZED', `${question.replace(': ', '')} required: pass -u/-p or --password-stdin`);
  const rl = createInterface({ input: process.stdin, output: process.stderr, terminal: true });
  if (secret) {
    const write = (rl as unknown as { _writeToOutput: (s: string) => void })._writeToOutput;
    (rl as unknown as { _writeToOutput: (s: string) => void })._writeToOutput = (s: string) => write.call(rl, s.startsWith(question) ? question : '');
  }
  try {
    return await new Promise<string>((resolve) => rl.question(question, resolve));
  } finally {
    if (secret) process.stderr.write('\n');
    rl.close();
  }
}
