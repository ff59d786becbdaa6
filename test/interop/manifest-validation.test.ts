// Nothing Stowage stores makes distribution (docker-registry 2.8) fail when it serves the same
// data directory (issue 12). Before, Stowage answered 201 to manifests whose sizes Go cannot
// read into an int64 (7.8e1, 78.0), and distribution then answered 500 for them. Here the
// formerly accepted manifests are pushed to Stowage (and refused), valid ones beside them, and
// distribution serves the directory: every tag and every revision answers 200, never 500, and
// skopeo copies the valid images out of it.

import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { HttpClient } from '../support/http.js';
import { makeTempDir, removeTempDirs, skopeo, startDistribution, startStowage, stopAll, type ServerHandle } from '../support/process.js';

const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
const OCI_INDEX = 'application/vnd.oci.image.index.v1+json';
const REPO = 'issue12/app';
const sha256 = (data: Buffer | string): string => `sha256:${createHash('sha256').update(data).digest('hex')}`;
const desc = (mediaType: string, data: Buffer, size: string = String(data.length)): string =>
  `{"mediaType":"${mediaType}","digest":"${sha256(data)}","size":${size}}`;
const image = (config: string, layers: string[], extra = ''): string =>
  `{"schemaVersion":2,"mediaType":"${OCI_MANIFEST}","config":${config},"layers":[${layers.join(',')}]${extra}}`;

describe('distribution serves what Stowage accepted, and never answers 500', () => {
  let root: string;
  let stowage: ServerHandle;
  let http: HttpClient;
  const accepted = new Map<string, Buffer>(); // tag -> bytes
  const refused: string[] = [];

  const pushBlob = async (data: Buffer): Promise<void> => {
    const res = await http.post(`/v2/${REPO}/blobs/uploads/?digest=${sha256(data)}`, { headers: { 'content-type': 'application/octet-stream' }, body: data });
    assert.equal(res.status, 201, res.describe());
  };
  const putManifest = (tag: string, body: string, type = OCI_MANIFEST) =>
    http.put(`/v2/${REPO}/manifests/${tag}`, { headers: { 'content-type': type }, body: Buffer.from(body) });

  before(async () => {
    root = await makeTempDir('issue12-root-');
    stowage = await startStowage({ root });
    http = new HttpClient(stowage.url);
    const config = Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [] }, pad: 'x'.repeat(13) }));
    const layer = randomBytes(300);
    const empty = Buffer.alloc(0);
    for (const blob of [config, layer, empty]) await pushBlob(blob);
    const configDesc = desc('application/vnd.oci.image.config.v1+json', config);
    const layerDesc = desc('application/vnd.oci.image.layer.v1.tar+gzip', layer);

    const good = image(configDesc, [layerDesc]);
    const deepOk = image(configDesc, [layerDesc], `,"x":${'['.repeat(9_999)}${']'.repeat(9_999)}`);
    for (const [tag, body] of [
      ['good', good],
      ['deep-10000', deepOk],
    ] as const) {
      const res = await putManifest(tag, body);
      assert.equal(res.status, 201, res.describe());
      accepted.set(tag, Buffer.from(body));
    }
    const index = `{"schemaVersion":2,"mediaType":"${OCI_INDEX}","manifests":[${desc(OCI_MANIFEST, Buffer.from(good))}]}`;
    assert.equal((await putManifest('multi', index, OCI_INDEX)).status, 201);
    accepted.set('multi', Buffer.from(index));

    const bad: Array<[string, string, string?]> = [
      ['size-exponent', image(desc('application/vnd.oci.image.config.v1+json', config, `${config.length / 10}e1`), [layerDesc])],
      ['size-fraction', image(configDesc, [desc('application/vnd.oci.image.layer.v1.tar+gzip', layer, `${layer.length}.0`)])],
      ['size-minus-zero', image(configDesc, [desc('application/vnd.oci.image.layer.v1.tar+gzip', empty, '-0')])],
      ['deep-10001', image(configDesc, [layerDesc], `,"x":${'['.repeat(10_000)}${']'.repeat(10_000)}`)],
      ['size-wrong', image(configDesc, [desc('application/vnd.oci.image.layer.v1.tar+gzip', layer, String(layer.length + 1))])],
      ['layer-is-manifest', image(configDesc, [desc('application/vnd.oci.image.layer.v1.tar+gzip', Buffer.from(good))])],
      ['child-is-blob', `{"schemaVersion":2,"mediaType":"${OCI_INDEX}","manifests":[${desc(OCI_MANIFEST, layer)}]}`, OCI_INDEX],
    ];
    for (const [tag, body, type] of bad) {
      const res = await putManifest(tag, body, type);
      assert.equal(res.status, 400, `${tag}: ${res.describe()}`);
      refused.push(tag);
    }
  });

  after(async () => {
    await http?.close();
    await stopAll();
    await removeTempDirs();
  });

  it('Stowage refused every formerly accepted manifest and lists only what it accepted', async () => {
    assert.equal(refused.length, 7);
    const tags = (await http.get(`/v2/${REPO}/tags/list`)).json<{ tags: string[] }>().tags;
    assert.deepEqual(tags.sort(), [...accepted.keys()].sort());
  });

  it('distribution answers 200 with the same bytes for every tag and every revision on disk', async () => {
    const dist = await startDistribution({ root });
    const d = new HttpClient(dist.url);
    try {
      const accept = { accept: `${OCI_MANIFEST}, ${OCI_INDEX}` };
      for (const [tag, bytes] of accepted) {
        const res = await d.get(`/v2/${REPO}/manifests/${tag}`, { headers: accept });
        assert.equal(res.status, 200, `${tag}: ${res.describe()}`);
        assert.deepEqual(res.body, bytes);
      }
      const revisions = join(root, 'docker/registry/v2/repositories', REPO, '_manifests/revisions/sha256');
      const hexes = await readdir(revisions);
      assert.equal(hexes.length, accepted.size, 'a refused manifest left a revision');
      for (const hex of hexes) {
        const res = await d.get(`/v2/${REPO}/manifests/sha256:${hex}`, { headers: accept });
        assert.equal(res.status, 200, `sha256:${hex}: ${res.describe()}`);
      }
      const out = await makeTempDir('issue12-out-');
      for (const tag of ['good', 'multi']) {
        await skopeo(['copy', '--all', '--src-tls-verify=false', `docker://${dist.host}/${REPO}:${tag}`, `oci:${out}:${tag}`]);
      }
    } finally {
      await d.close();
      await dist.stop();
    }
  });

  it('why: such a manifest written into the layout by hand (as Stowage stored it before) is a 500 in distribution', async () => {
    const config = randomBytes(78);
    await pushBlob(config);
    const body = Buffer.from(image(desc('application/vnd.oci.image.config.v1+json', config, '7.8e1'), []));
    const hex = sha256(body).slice(7);
    const v2 = join(root, 'docker/registry/v2');
    const write = async (dir: string, name: string, data: Buffer | string): Promise<void> => {
      await mkdir(dir, { recursive: true });
      await writeFile(join(dir, name), data);
    };
    await write(join(v2, 'blobs/sha256', hex.slice(0, 2), hex), 'data', body);
    await write(join(v2, 'repositories/issue12/legacy/_manifests/revisions/sha256', hex), 'link', `sha256:${hex}`);
    const dist = await startDistribution({ root });
    const d = new HttpClient(dist.url);
    try {
      assert.equal((await d.get(`/v2/issue12/legacy/manifests/sha256:${hex}`, { headers: { accept: OCI_MANIFEST } })).status, 500);
    } finally {
      await d.close();
      await dist.stop();
    }
  });
});
