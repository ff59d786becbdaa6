import { StowageError } from '../../errors/error.js';
import type { Upstream } from './upstream.js';

/** A request's repository, when it is served from an upstream. */
export interface ProxyTarget {
  upstream: Upstream;
  /** The repository in this registry's storage: `docker.io/library/alpine` (the name itself in distribution's form). */
  local: string;
  /** The repository at the upstream: `library/alpine`. */
  remote: string;
}

/** Docker Hub's aliases, as containerd's `ns` and references may spell it. */
const DOCKER_HUB_ALIASES = new Set(['docker.io', 'index.docker.io', 'registry-1.docker.io']);

/**
 * Which upstream, if any, a repository name belongs to. In order:
 *  1. distribution's form (`proxy:`): every name, stored as asked (registry:2's layout);
 *  2. `<host>/<repo>` where `<host>` is a configured upstream: `/v2/ghcr.io/org/app/…`;
 *  3. `?ns=<host>`, which containerd's hosts.toml mirrors send: that upstream, or
 *     NAME_UNKNOWN when none is configured for it (never another registry's image by mistake);
 *  4. an unprefixed name no hosted repository has, when there is a default upstream
 *     (docker.io): what docker's `registry-mirrors` sends. Reads only: mirrors never push, and a
 *     push to a new unprefixed name must create a hosted repository, not be refused as a cache's.
 * Anything else is hosted. Docker Hub's one-component names get `library/`, as docker does.
 */
export class ProxyRouter {
  private readonly byHost = new Map<string, Upstream>();

  constructor(
    upstreams: Upstream[],
    private readonly whole: Upstream | undefined,
    private readonly defaultHost: string | undefined,
  ) {
    for (const upstream of upstreams) if (upstream.settings.host) this.byHost.set(upstream.settings.host, upstream);
  }

  get upstreams(): Upstream[] {
    return this.whole ? [this.whole] : [...this.byHost.values()];
  }

  /** The upstream a stored repository was cached from (GC's expiry and `registry cache` use it). */
  upstreamOf(local: string): Upstream | undefined {
    if (this.whole) return this.whole;
    const slash = local.indexOf('/');
    return slash === -1 ? undefined : this.byHost.get(local.slice(0, slash));
  }

  async resolve(name: string, ns: string | null, isHosted: () => Promise<boolean>, read = true): Promise<ProxyTarget | undefined> {
    if (this.whole) return { upstream: this.whole, local: name, remote: name };
    const slash = name.indexOf('/');
    if (slash !== -1) {
      const upstream = this.byHost.get(name.slice(0, slash));
      if (upstream) return this.target(upstream, name.slice(slash + 1));
    }
    if (ns !== null && ns !== '') {
      const upstream = this.byHost.get(canonicalHost(ns));
      if (!upstream) {
        throw new StowageError('NAME_UNKNOWN', `no upstream is configured for ${ns.slice(0, 100)} (ns=): ${name} is not cached here`, { name });
      }
      return this.target(upstream, name);
    }
    const fallback = this.defaultHost === undefined ? undefined : this.byHost.get(this.defaultHost);
    if (fallback && read && !(await isHosted())) return this.target(fallback, name);
    return undefined;
  }

  private target(upstream: Upstream, remote: string): ProxyTarget {
    const path = upstream.settings.host === 'docker.io' && !remote.includes('/') ? `library/${remote}` : remote;
    return { upstream, local: `${upstream.settings.host}/${path}`, remote: path };
  }
}

export function canonicalHost(host: string): string {
  const lower = host.toLowerCase();
  return DOCKER_HUB_ALIASES.has(lower) ? 'docker.io' : lower;
}
