import proxyAddr from '@fastify/proxy-addr';
import type { FastifyRequest } from 'fastify';
import { StowageError } from '../../../errors/error.js';

/** How the server names itself in the URLs it sends: the default token realm (token.ts). */
export interface OriginSettings {
  /** distribution's `http.host`: the externally reachable `scheme://host[:port]`; used whatever the request says. */
  url?: string;
  /**
   * Stowage's `http.trustedproxies`: addresses (or CIDRs, or `loopback`, `linklocal`,
   * `uniquelocal`) of reverse proxies whose X-Forwarded-Host and X-Forwarded-Proto are believed.
   */
  trustedProxies?: string[];
}

const HOST = /^(?:[A-Za-z0-9](?:[A-Za-z0-9.-]{0,251}[A-Za-z0-9])?|\[[0-9A-Fa-f:.]{2,45}\])(?::\d{1,5})?$/;

/** The trust test for `trustedProxies`; CONFIG_INVALID naming the key for an address that is none. */
export function compileTrust(addresses: string[]): (address: string, hop: number) => boolean {
  try {
    return proxyAddr.compile(addresses);
  } catch (err) {
    throw new StowageError('CONFIG_INVALID', `http.trustedproxies: ${(err as Error).message}`);
  }
}

/**
 * Returns the function giving a request's `scheme://host[:port]` for URLs sent back to it.
 * Never the Host header: a client chooses it, and a realm built from it would send that
 * client's credentials wherever it says (token.md: the client posts its password to the realm).
 * So: `url` when set; else X-Forwarded-Host/-Proto, only on a connection from a trusted proxy;
 * else the address the connection arrived at (the socket's local address, which a client
 * reached but cannot make up).
 */
export function originResolver(settings: OriginSettings = {}): (request: FastifyRequest) => string {
  if (settings.url !== undefined) {
    const fixed = settings.url.replace(/\/+$/, '');
    return () => fixed;
  }
  const trusted = settings.trustedProxies?.length ? compileTrust(settings.trustedProxies) : undefined;
  return (request) => {
    const socket = request.raw.socket as (typeof request.raw.socket & { encrypted?: boolean }) | undefined;
    const scheme = socket?.encrypted ? 'https' : 'http';
    if (trusted && socket?.remoteAddress !== undefined && trusted(socket.remoteAddress, 0)) {
      const host = lastValue(request.headers['x-forwarded-host']);
      const proto = lastValue(request.headers['x-forwarded-proto'])?.toLowerCase();
      if (host !== undefined && HOST.test(host)) return `${proto === 'https' || proto === 'http' ? proto : scheme}://${host}`;
    }
    return `${scheme}://${formatHost(socket?.localAddress ?? '127.0.0.1')}:${socket?.localPort ?? 0}`;
  };
}

/** Of a header a chain of proxies appends to, the value the nearest (trusted) one added. */
function lastValue(header: string | string[] | undefined): string | undefined {
  const value = Array.isArray(header) ? header[header.length - 1] : header;
  if (value === undefined) return undefined;
  return value.slice(value.lastIndexOf(',') + 1).trim() || undefined;
}

function formatHost(address: string): string {
  const v4 = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(address)?.[1];
  if (v4) return v4;
  return address.includes(':') ? `[${address}]` : address;
}

/** distribution's `http.host`: an absolute http(s) URL with no path, query or credentials. */
export function checkPublicUrl(value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new StowageError('CONFIG_INVALID', `http.host: "${value.slice(0, 100)}" is not a URL (expected https://registry.example.com[:port])`);
  }
  if ((url.protocol !== 'http:' && url.protocol !== 'https:') || url.username || url.password || url.search || url.hash || url.pathname !== '/') {
    throw new StowageError('CONFIG_INVALID', `http.host: expected scheme://host[:port] with nothing after it, not "${value.slice(0, 100)}"`);
  }
  return url.origin;
}
