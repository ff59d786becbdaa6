// The mirror settings real clients read, written into temp dirs: containerd's hosts.toml
// (`ctr --hosts-dir`, or `config_path` in the daemon's config) and containers-registries.conf
// (podman, skopeo). Both point one upstream host at a plain-HTTP registry on 127.0.0.1.

import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * Writes DIR/<host>/hosts.toml sending pulls of `host` to `mirrorUrl` (http://127.0.0.1:PORT).
 * containerd adds `?ns=<host>` to every request it sends to such a mirror.
 */
export async function writeHostsDir(dir: string, host: string, mirrorUrl: string): Promise<string> {
  await mkdir(join(dir, host), { recursive: true });
  await writeFile(
    join(dir, host, 'hosts.toml'),
    // The upstream itself stays the `server`: without the mirror the pull would go there.
    [`server = "https://${host}"`, '', `[host.${JSON.stringify(mirrorUrl)}]`, '  capabilities = ["pull", "resolve"]', ''].join('\n'),
  );
  return dir;
}

/**
 * Writes a registries.conf where `prefix` (docker.io) is pulled from `mirrorHost` (host:port,
 * plain HTTP) first. Only this file is read when CONTAINERS_REGISTRIES_CONF names it, so the
 * machine's own mirrors and search registries play no part.
 */
export async function writeRegistriesConf(path: string, prefix: string, mirrorHost: string): Promise<string> {
  await writeFile(
    path,
    [
      'unqualified-search-registries = []',
      '',
      '[[registry]]',
      `prefix = ${JSON.stringify(prefix)}`,
      `location = ${JSON.stringify(prefix)}`,
      '',
      '[[registry.mirror]]',
      `location = ${JSON.stringify(mirrorHost)}`,
      'insecure = true',
      '',
    ].join('\n'),
  );
  return path;
}
