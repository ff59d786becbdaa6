/**
 * Where a reference's domain is actually served, following Docker's rules: `docker.io` is
 * served by `registry-1.docker.io` (and may have mirrors); plain HTTP is allowed only for
 * loopback hosts and registries the user lists as insecure, as dockerd's
 * `insecure-registries` works (HTTPS is tried first, then HTTP).
 */
export interface HostOptions {
  /** Hosts (`host[:port]`) allowed to use plain HTTP or an unverified certificate. */
  insecureRegistries?: string[];
  /** Mirror base URLs per domain, tried in order for pulls; `docker.io` is the usual one. */
  mirrors?: Record<string, string[]>;
  /**
   * A domain served at exactly this base URL (`http://…` or `https://…`), with no mirror,
   * no Docker Hub mapping and no HTTPS-then-HTTP probe: a pull-through cache's upstream is
   * the URL its configuration names.
   */
  endpoints?: Record<string, string>;
}

export interface Endpoint {
  /** Base URL without trailing slash, e.g. `https://registry-1.docker.io`. */
  baseUrl: string;
  /** Host name used for credentials and tokens (`docker.io` for Docker Hub, else the host). */
  credentialHost: string;
  /** Whether an HTTP fallback and unverified TLS are allowed. */
  insecure: boolean;
  /** A mirror serves pulls only. */
  mirror: boolean;
}

export const DOCKER_HUB = 'docker.io';
const DOCKER_HUB_API = 'registry-1.docker.io';

/** The endpoints to try for a domain, mirrors first (pull only), then the registry itself. */
export function endpointsFor(domain: string, options: HostOptions = {}): Endpoint[] {
  const fixed = options.endpoints?.[domain];
  if (fixed !== undefined) {
    const url = new URL(fixed);
    // Plain HTTP because the configuration says so: no probe, and no fallback either way.
    return [{ baseUrl: `${url.protocol}//${url.host}${url.pathname.replace(/\/+$/, '')}`, credentialHost: domain, insecure: false, mirror: false }];
  }
  const api = domain === DOCKER_HUB || domain === 'index.docker.io' ? DOCKER_HUB_API : domain;
  const own: Endpoint = {
    baseUrl: `https://${api}`,
    credentialHost: api === DOCKER_HUB_API ? DOCKER_HUB : domain,
    insecure: isInsecure(domain, options),
    mirror: false,
  };
  const mirrors = (options.mirrors?.[domain === 'index.docker.io' ? DOCKER_HUB : domain] ?? []).map((url): Endpoint => {
    const parsed = new URL(url.includes('://') ? url : `https://${url}`);
    return {
      baseUrl: `${parsed.protocol}//${parsed.host}`,
      credentialHost: parsed.host,
      insecure: parsed.protocol === 'http:' || isInsecure(parsed.host, options),
      mirror: true,
    };
  });
  return [...mirrors, own];
}

export function isInsecure(host: string, options: HostOptions = {}): boolean {
  return isLoopback(host) || (options.insecureRegistries ?? []).includes(host);
}

/** `localhost`, `127.x.x.x`, `[::1]`, with or without a port. */
export function isLoopback(host: string): boolean {
  const name = host.startsWith('[') ? host.slice(1, host.indexOf(']')) : host.replace(/:\d+$/, '');
  return name === 'localhost' || name === '::1' || /^127\.\d+\.\d+\.\d+$/.test(name);
}
