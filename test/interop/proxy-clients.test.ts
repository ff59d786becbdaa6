// The pull-through cache is transparent to real clients: Stowage runs with `proxies:` for
// docker.io and ghcr.io, each upstream a CNCF distribution holding an image pushed by skopeo,
// and three clients pull through it with nothing but their own mirror settings:
//  - dockerd with `--registry-mirror` (docker sends only docker.io pulls there, unprefixed);
//  - containerd with a hosts.toml mirror for ghcr.io (it adds `?ns=ghcr.io`);
//  - podman with a registries.conf mirror for docker.io.
// Each must end up with the upstream's image (its config digest as the image ID, its manifest
// digest), and Stowage must have stored it under `<host>/<repo>`.

import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startContainerd, type Containerd } from '../support/containerd.js';
import { startDockerd, type Dockerd } from '../support/dockerd.js';
import { startFaultProxy, type FaultProxy } from '../support/fault-proxy.js';
import { writeHostsDir, writeRegistriesConf } from '../support/mirror-configs.js';
import { writeImageLayout, type BuiltImage } from '../support/oci-layout.js';
import { makeTempDir, removeTempDirs, runOk, skopeo, startDistribution, startStowage, stopAll, type ServerHandle } from '../support/process.js';

/** On Docker Hub's side: `docker pull proxyfix:1` means library/proxyfix:1. */
const HUB_REPO = 'library/proxyfix';
const HUB_TAG = '1';
const GHCR_REPO = 'org/app';
const GHCR_TAG = '2';

interface UpstreamCounters {
  host: string;
  manifestFetches: number;
  blobFetches: number;
}

describe('real clients pulling through the pull-through cache', () => {
  let hub: ServerHandle;
  let ghcr: ServerHandle;
  let stowage: ServerHandle;
  let hubImage: BuiltImage;
  let ghcrImage: BuiltImage;
  let dockerd: Dockerd | undefined;
  let containerd: Containerd | undefined;
  const proxies: FaultProxy[] = [];

  const catalog = async (): Promise<string[]> => {
    const res = await fetch(`${stowage.url}/v2/_catalog`);
    assert.equal(res.status, 200);
    return ((await res.json()) as { repositories: string[] }).repositories;
  };
  const counters = async (host: string): Promise<UpstreamCounters> => {
    const res = await fetch(`${stowage.url}/admin/cache`);
    assert.equal(res.status, 200);
    const body = (await res.json()) as { upstreams: UpstreamCounters[] };
    const found = body.upstreams.find((u) => u.host === host);
    assert.ok(found, `GET /admin/cache lists ${host}: ${JSON.stringify(body)}`);
    return found;
  };
  /** What an upstream itself answers for a tag: the digest every client must end up with. */
  const upstreamDigest = async (server: ServerHandle, repo: string, tag: string): Promise<string | null> => {
    const res = await fetch(`${server.url}/v2/${repo}/manifests/${tag}`, {
      method: 'HEAD',
      headers: { accept: 'application/vnd.oci.image.manifest.v1+json' },
    });
    return res.headers.get('docker-content-digest');
  };

  before(async () => {
    const dir = await makeTempDir('stowage-proxy-clients-');
    const src = join(dir, 'src');
    // Layers of their own per upstream, a few hundred KB each: big enough to be real blob
    // transfers, small enough to keep the file quick.
    hubImage = await writeImageLayout(src, { layers: 2, seed: 'proxy-clients-hub', tag: 'hub', sizeBytes: 300_000 });
    ghcrImage = await writeImageLayout(src, { layers: 3, seed: 'proxy-clients-ghcr', tag: 'ghcr', sizeBytes: 200_000 });
    await mkdir(join(dir, 'hub'));
    await mkdir(join(dir, 'ghcr'));
    hub = await startDistribution({ root: join(dir, 'hub') });
    ghcr = await startDistribution({ root: join(dir, 'ghcr') });
    const push = (from: string, to: string) => skopeo(['copy', '-q', '--dest-tls-verify=false', from, to]);
    await push(`oci:${src}:hub`, `docker://${hub.host}/${HUB_REPO}:${HUB_TAG}`);
    await push(`oci:${src}:ghcr`, `docker://${ghcr.host}/${GHCR_REPO}:${GHCR_TAG}`);
    // skopeo keeps an OCI manifest as it is: the upstream's digest is the fixture's.
    assert.equal(await upstreamDigest(hub, HUB_REPO, HUB_TAG), hubImage.digest);
    assert.equal(await upstreamDigest(ghcr, GHCR_REPO, GHCR_TAG), ghcrImage.digest);

    const config = join(dir, 'stowage.yml');
    await writeFile(
      config,
      [
        'version: 0.1',
        'storage:',
        '  filesystem:',
        `    rootdirectory: ${JSON.stringify(join(dir, 'stowage'))}`,
        'proxies:',
        '  - host: docker.io',
        `    remoteurl: ${hub.url}`,
        '  - host: ghcr.io',
        `    remoteurl: ${ghcr.url}`,
        '',
      ].join('\n'),
    );
    stowage = await startStowage({ config });
  });

  after(async () => {
    await dockerd?.stop();
    await containerd?.stop();
    for (const p of proxies) await p.close();
    await stopAll();
    await removeTempDirs();
  });

  it('dockerd with --registry-mirror pulls a Docker Hub image from the cache', async () => {
    dockerd = await startDockerd('vfs', { args: ['--registry-mirror', stowage.url] });
    await dockerd.docker(['pull', '-q', `proxyfix:${HUB_TAG}`]);
    const id = (await dockerd.docker(['image', 'inspect', '--format', '{{.Id}}', `proxyfix:${HUB_TAG}`])).stdout.trim();
    assert.equal(id, hubImage.config.digest, 'the image ID is the upstream config digest');
    const repoDigests = (await dockerd.docker(['image', 'inspect', '--format', '{{json .RepoDigests}}', `proxyfix:${HUB_TAG}`])).stdout;
    assert.deepEqual(JSON.parse(repoDigests), [`proxyfix@${hubImage.digest}`]);
    assert.ok((await catalog()).includes(`docker.io/${HUB_REPO}`), 'Stowage stored the image as docker.io/library/proxyfix');
    const hubCounters = await counters('docker.io');
    assert.ok(hubCounters.manifestFetches >= 1, `the manifest came from the upstream: ${JSON.stringify(hubCounters)}`);
  });

  it('containerd with a hosts.toml mirror pulls a ghcr.io image from the cache, routed by ns=', async () => {
    containerd = await startContainerd();
    // A pass-through proxy in front of Stowage records what containerd asks for.
    const recorder = await startFaultProxy(stowage.url, () => undefined);
    proxies.push(recorder);
    const hostsDir = await writeHostsDir(await makeTempDir('stowage-hosts-'), 'ghcr.io', recorder.url);
    const ref = `ghcr.io/${GHCR_REPO}:${GHCR_TAG}`;
    await containerd.ctr(['-n', 'test', 'images', 'pull', '--hosts-dir', hostsDir, ref]);
    const listed = (await containerd.ctr(['-n', 'test', 'images', 'ls'])).stdout
      .split('\n')
      .map((line) => line.trim().split(/\s+/))
      .find((cols) => cols[0] === ref);
    assert.ok(listed, `ctr images ls lists ${ref}`);
    assert.equal(listed[2], ghcrImage.digest, 'the pulled manifest is the upstream one');
    const content = (await containerd.ctr(['-n', 'test', 'content', 'ls', '-q'])).stdout.split('\n');
    for (const blob of ghcrImage.blobs) assert.ok(content.includes(blob), `containerd holds ${blob}`);
    // containerd asks for /v2/org/app/…?ns=ghcr.io: only ns= can route it to ghcr.io (an
    // unprefixed name alone goes to the docker.io upstream, which has no org/app).
    const repoRequests = recorder.seen.filter((r) => r.url.startsWith(`/v2/${GHCR_REPO}/`));
    assert.ok(repoRequests.length >= 2, `containerd asked for the manifest and blobs: ${JSON.stringify(recorder.seen)}`);
    for (const r of repoRequests) assert.match(r.url, /[?&]ns=ghcr\.io(&|$)/, `${r.method} ${r.url} carries ns=ghcr.io`);
    const repos = await catalog();
    assert.ok(repos.includes(`ghcr.io/${GHCR_REPO}`), `Stowage stored ghcr.io/${GHCR_REPO}: ${repos.join(', ')}`);
    assert.ok(!repos.includes(`docker.io/${GHCR_REPO}`), 'nothing was stored under docker.io');
    const ghcrCounters = await counters('ghcr.io');
    assert.equal(ghcrCounters.blobFetches, ghcrImage.blobs.length - 1, 'config and layers fetched once each from ghcr.io');
  });

  it('podman with a registries.conf mirror pulls a Docker Hub image from the cache', async () => {
    const dir = await makeTempDir('stowage-podman-');
    const recorder = await startFaultProxy(stowage.url, () => undefined);
    proxies.push(recorder);
    const conf = await writeRegistriesConf(join(dir, 'registries.conf'), 'docker.io', recorder.host);
    const env = { ...process.env, CONTAINERS_REGISTRIES_CONF: conf };
    const podman = (args: string[]) =>
      runOk(
        'podman',
        [
          '--root',
          join(dir, 'root'),
          '--runroot',
          join(dir, 'run'),
          '--tmpdir',
          join(dir, 'tmp'),
          '--storage-driver',
          'vfs',
          '--cgroup-manager',
          'cgroupfs',
          '--events-backend',
          'file',
          ...args,
        ],
        { env, timeoutMs: 120_000 },
      );
    const ref = `docker.io/${HUB_REPO}:${HUB_TAG}`;
    await podman(['pull', '-q', ref]);
    const inspected = JSON.parse((await podman(['image', 'inspect', ref])).stdout) as Array<{ Id: string; Digest: string }>;
    assert.equal(inspected.length, 1);
    assert.equal(`sha256:${inspected[0]!.Id}`, hubImage.config.digest, 'the image ID is the upstream config digest');
    assert.equal(inspected[0]!.Digest, hubImage.digest, 'the manifest digest is the upstream one');
    // podman asked the mirror, under the name Docker Hub knows it by.
    assert.ok(
      recorder.seen.some((r) => r.url === `/v2/${HUB_REPO}/manifests/${HUB_TAG}`),
      `podman asked the mirror for the manifest: ${JSON.stringify(recorder.seen)}`,
    );
    // dockerd and podman pulled the same image: the cache fetched each blob from the upstream
    // once however many clients asked.
    const hubCounters = await counters('docker.io');
    assert.equal(hubCounters.blobFetches, hubImage.blobs.length - 1, `config and layers fetched once each: ${JSON.stringify(hubCounters)}`);
  });
});
