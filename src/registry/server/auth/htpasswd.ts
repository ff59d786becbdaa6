import bcrypt from 'bcryptjs';
import { createHmac, randomBytes } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { StowageError } from '../../../errors/error.js';

/** What `htpasswd -B` writes ($2y$), and the other bcrypt prefixes bcryptjs verifies. */
const BCRYPT = /^\$2[aby]\$(\d\d)\$[./A-Za-z0-9]{53}$/;
/** Successful checks are remembered this long, so Basic auth costs one bcrypt per client, not per request. */
const CACHE_TTL_MS = 60_000;
const CACHE_MAX = 1024;

export interface HtpasswdOptions {
  /** Where a runtime reload problem is reported (the file is then treated as empty). */
  onError?: (message: string) => void;
  clock?: () => number;
}

/**
 * An Apache htpasswd file as distribution's `auth.htpasswd` reads it: `user:hash` lines, blank
 * lines and `#` comments skipped. Only bcrypt is accepted: MD5-crypt, SHA1 and crypt(3) are
 * fast to brute-force, and refused at start-up rather than silently never matching.
 * The file is re-read when its modification time, size or inode changes.
 */
export class HtpasswdFile {
  private entries = new Map<string, string>();
  private dummyHash = '';
  private version = '';
  private reloading: Promise<void> | undefined;
  /** HMAC(user, password) -> the hash it was checked against and when: a changed entry misses. */
  private readonly verified = new Map<string, { hash: string; at: number }>();
  private readonly cacheKey = randomBytes(32);
  private readonly clock: () => number;

  private constructor(
    readonly path: string,
    private readonly options: HtpasswdOptions,
  ) {
    this.clock = options.clock ?? Date.now;
  }

  /** Reads the file now; any problem is a CONFIG_INVALID naming the file and line. */
  static async load(path: string, options: HtpasswdOptions = {}): Promise<HtpasswdFile> {
    const file = new HtpasswdFile(path, options);
    await file.reload(await fileVersion(path));
    return file;
  }

  /**
   * Checks a password. An unknown user is checked against a dummy hash of the same cost, so
   * the answer takes as long whether or not the user exists (no user enumeration by timing).
   */
  async verify(user: string, password: string): Promise<boolean> {
    await this.refresh();
    const hash = this.entries.get(user);
    const key = createHmac('sha256', this.cacheKey).update(user).update('\u0000').update(password).digest('base64');
    const cached = this.verified.get(key);
    if (hash !== undefined && cached && cached.hash === hash && this.clock() - cached.at < CACHE_TTL_MS) return true;
    const ok = await bcrypt.compare(password, hash ?? this.dummyHash);
    if (!ok || hash === undefined) return false;
    if (this.verified.size >= CACHE_MAX) this.verified.delete(this.verified.keys().next().value!);
    this.verified.set(key, { hash, at: this.clock() });
    return true;
  }

  /**
   * A short fingerprint of the user's current entry, or undefined for an unknown user: a
   * refresh token carries it, so changing a password or removing a user revokes the tokens.
   */
  async fingerprint(user: string): Promise<string | undefined> {
    await this.refresh();
    const hash = this.entries.get(user);
    return hash === undefined ? undefined : createHmac('sha256', 'stowage-htpasswd-entry').update(hash).digest('base64url').slice(0, 16);
  }

  get size(): number {
    return this.entries.size;
  }

  /** Re-reads the file if it changed; one reload at a time, shared by concurrent callers. */
  private async refresh(): Promise<void> {
    if (this.reloading) return this.reloading;
    let version: string;
    try {
      version = await fileVersion(this.path);
    } catch (err) {
      this.failClosed((err as StowageError).message);
      return;
    }
    if (version === this.version) return;
    this.reloading = this.reload(version)
      .catch((err: unknown) => this.failClosed((err as Error).message))
      .finally(() => (this.reloading = undefined));
    return this.reloading;
  }

  private async reload(version: string): Promise<void> {
    let text: string;
    try {
      text = await readFile(this.path, 'utf8');
    } catch (err) {
      throw new StowageError('CONFIG_INVALID', `cannot read htpasswd file ${this.path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
    }
    const entries = parseHtpasswd(text, this.path);
    this.dummyHash = await bcrypt.hash(randomBytes(16).toString('hex'), commonCost(entries));
    this.entries = entries;
    this.version = version;
    this.verified.clear();
  }

  /** A file that vanished or went bad at runtime lets nobody in until it is fixed. */
  private failClosed(message: string): void {
    if (this.version !== 'failed') this.options.onError?.(`${message}; refusing all logins until it is fixed`);
    this.entries = new Map();
    this.version = 'failed';
    this.verified.clear();
  }
}

/** Parses htpasswd text; throws CONFIG_INVALID for a malformed line or a hash that is not bcrypt. */
export function parseHtpasswd(text: string, path: string): Map<string, string> {
  const entries = new Map<string, string>();
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.trim();
    if (line === '' || line.startsWith('#')) continue;
    const colon = line.indexOf(':');
    if (colon <= 0) throw new StowageError('CONFIG_INVALID', `htpasswd file ${path} line ${i + 1}: expected user:hash`);
    const user = line.slice(0, colon);
    const hash = line.slice(colon + 1);
    if (!BCRYPT.test(hash)) {
      // Never the hash itself in a message: only what kind it looks like.
      throw new StowageError(
        'CONFIG_INVALID',
        `htpasswd file ${path} line ${i + 1} (user ${user}): only bcrypt entries are supported (htpasswd -B); this one is ${hashKind(hash)}`,
      );
    }
    entries.set(user, hash);
  }
  return entries;
}

function hashKind(hash: string): string {
  if (hash.startsWith('$apr1$')) return 'MD5 ($apr1$)';
  if (hash.startsWith('{SHA}')) return 'SHA1 ({SHA})';
  if (hash.startsWith('$5$') || hash.startsWith('$6$')) return 'SHA-crypt';
  if (hash.startsWith('$2')) return 'a malformed bcrypt hash';
  return 'crypt(3) or plain text';
}

/** The bcrypt cost most entries use (10 for an empty file), for the dummy hash. */
function commonCost(entries: Map<string, string>): number {
  const counts = new Map<number, number>();
  for (const hash of entries.values()) {
    const cost = Number(BCRYPT.exec(hash)?.[1]);
    counts.set(cost, (counts.get(cost) ?? 0) + 1);
  }
  let best = 10;
  let bestCount = 0;
  for (const [cost, count] of counts) if (count > bestCount) [best, bestCount] = [cost, count];
  return Math.min(Math.max(best, 4), 31);
}

async function fileVersion(path: string): Promise<string> {
  try {
    const s = await stat(path);
    return `${s.ino}:${s.size}:${s.mtimeMs}`;
  } catch (err) {
    throw new StowageError('CONFIG_INVALID', `cannot read htpasswd file ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
}
