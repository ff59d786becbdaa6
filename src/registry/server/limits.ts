import type { ServerOptions as HttpServerOptions } from 'node:http';
import type { ServerOptions as HttpsServerOptions } from 'node:https';
import { StowageError } from '../../errors/error.js';

/**
 * Resource limits that keep one hostile or broken client from exhausting the registry:
 * sockets held open by slow or silent clients, oversized header blocks, upload floods and
 * abandoned upload sessions. Blob bodies themselves are never limited by time as a whole (a
 * multi-gigabyte layer over a slow link is legitimate): only idleness cuts a transfer.
 */
export interface RegistryLimits {
  /**
   * Longest time a client may take to send a complete request line and header block
   * (Node's `headersTimeout`): the slow-loris defence. Answered with 408 and a closed socket.
   */
  headersTimeoutMs: number;
  /**
   * Longest time a socket may see no traffic at all, in either direction, while a request is
   * being received or answered (Node's socket timeout, fastify's `connectionTimeout`). A body
   * that stops arriving, or a client that stops reading, is cut after this.
   */
  idleTimeoutMs: number;
  /** Largest request line + header block, in bytes (Node's `maxHeaderSize`); more is 431. */
  maxHeaderBytes: number;
  /** Upload requests (POST/PATCH/PUT carrying blob bytes) one client may have in flight; more is 429. */
  maxConcurrentUploadsPerClient: number;
  /** Age after which an upload session counts as abandoned: refused, and purged. */
  uploadSessionTtlMs: number;
}

export const DEFAULT_LIMITS: Readonly<RegistryLimits> = Object.freeze({
  headersTimeoutMs: 30_000,
  idleTimeoutMs: 5 * 60_000,
  maxHeaderBytes: 16 * 1024,
  // A CI host pushing 50 images at once keeps ~100 uploads in flight from one address: room for that, a bound still.
  maxConcurrentUploadsPerClient: 256,
  uploadSessionTtlMs: 24 * 60 * 60_000,
});

/**
 * Defaults overridden by `overrides`, each value checked: positive integers, except
 * `uploadSessionTtlMs` which may also be Infinity (sessions never expire). CONFIG_INVALID otherwise.
 */
export function resolveLimits(overrides: Partial<RegistryLimits> = {}): RegistryLimits {
  const limits: RegistryLimits = { ...DEFAULT_LIMITS };
  for (const key of Object.keys(DEFAULT_LIMITS) as Array<keyof RegistryLimits>) {
    const value = overrides[key];
    if (value === undefined) continue;
    const ok = typeof value === 'number' && ((Number.isSafeInteger(value) && value > 0) || (key === 'uploadSessionTtlMs' && value === Infinity));
    if (!ok) throw new StowageError('CONFIG_INVALID', `limit ${key} must be a positive integer, not ${String(value).slice(0, 40)}`);
    limits[key] = value;
  }
  return limits;
}

/** The subset of fastify's server options (FastifyServerOptions) that enforces the socket-level limits. */
export interface FastifyLimitOptions {
  /** fastify → `server.setTimeout()`: the idle socket timeout. */
  connectionTimeout: number;
  /** fastify → `server.requestTimeout`: 0, no cap on a request's total duration. */
  requestTimeout: number;
  /** Handed by fastify to `http.createServer` (plain HTTP only). */
  http?: HttpServerOptions;
  /** Handed by fastify to `https.createServer`, which ignores `http`: the same limits plus the TLS material. */
  https?: HttpsServerOptions;
}

/**
 * Node `http.createServer` options for the limits: header size and header timeout, no total
 * request timeout (Node 18+ defaults to 300 s, which would cut long uploads), and a connection
 * check often enough that the header timeout is enforced close to its value (Node only checks
 * every `connectionsCheckingInterval`, 30 s by default).
 *
 * Not covered by these options: the idle timeout, which is `server.setTimeout(idleTimeoutMs)`
 * on a plain Node server (fastify does it from `connectionTimeout`).
 */
export function httpServerOptions(limits: RegistryLimits): HttpServerOptions {
  return {
    maxHeaderSize: limits.maxHeaderBytes,
    headersTimeout: limits.headersTimeoutMs,
    requestTimeout: 0,
    connectionsCheckingInterval: Math.max(50, Math.min(30_000, Math.floor(limits.headersTimeoutMs / 4))),
  };
}

/**
 * The fastify options that enforce the socket-level limits; spread them into `Fastify({...})`.
 * With `tls`, they come as `https` options carrying the key and certificate too, because
 * fastify passes `https` (and not `http`) to `https.createServer`.
 */
export function nodeServerOptions(limits: RegistryLimits, tls?: { key: Buffer; cert: Buffer }): FastifyLimitOptions {
  const node = httpServerOptions(limits);
  const base = { connectionTimeout: limits.idleTimeoutMs, requestTimeout: 0 };
  return tls ? { ...base, https: { ...node, key: tls.key, cert: tls.cert } } : { ...base, http: node };
}

/**
 * Counts upload requests in flight per client (an address, or an authenticated identity).
 * `acquire` either takes a slot and returns its release function (idempotent: safe to call
 * from both 'finish' and 'close') or throws TOOMANYREQUESTS, which the error path turns into 429.
 */
export class UploadConcurrency {
  private readonly active = new Map<string, number>();
  readonly limit: number;

  constructor(limit: number = DEFAULT_LIMITS.maxConcurrentUploadsPerClient) {
    if (!Number.isSafeInteger(limit) || limit <= 0) {
      throw new StowageError('CONFIG_INVALID', `the concurrent upload limit must be a positive integer, not ${String(limit)}`);
    }
    this.limit = limit;
  }

  acquire(clientKey: string): () => void {
    const inUse = this.active.get(clientKey) ?? 0;
    if (inUse >= this.limit) {
      throw new StowageError('TOOMANYREQUESTS', `too many concurrent uploads from this client: the limit is ${this.limit}; retry when one has finished`, {
        limit: this.limit,
      });
    }
    this.active.set(clientKey, inUse + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const left = (this.active.get(clientKey) ?? 1) - 1;
      if (left <= 0) this.active.delete(clientKey);
      else this.active.set(clientKey, left);
    };
  }

  /** Slots `clientKey` holds now. */
  inUse(clientKey: string): number {
    return this.active.get(clientKey) ?? 0;
  }

  /** Clients holding at least one slot: the map never outgrows the uploads in flight. */
  get clients(): number {
    return this.active.size;
  }
}

// Upload age is the store's business (the purge judges it the same way); re-exported for the server.
export { isExpired } from '../store/purge.js';
