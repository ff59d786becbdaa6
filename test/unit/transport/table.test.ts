import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { dockerRootTransport, transportMarkdown } from '../../../src/ops/transports.js';
import { isTransportName, parseImageName, parseImageNameOrReference } from '../../../src/transport/image-name.js';
import { openSink } from '../../../src/transport/open.js';
import { canRead, canWrite, findTransport, listTransports, registerTransport } from '../../../src/transport/table.js';
import { RegistryClient } from '../../../src/registry/client/client.js';
import { noCredentials } from '../../support/credentials.js';

const README = fileURLToPath(new URL('../../../../README.md', import.meta.url));

describe('the transport table', () => {
  it('holds every transport once, docker-root registered from src/dockerroot', () => {
    assert.deepEqual(
      listTransports().map((t) => t.scheme),
      ['docker', 'oci', 'oci-archive', 'docker-archive', 'docker-root'],
    );
    assert.equal(findTransport('docker-root'), dockerRootTransport);
    registerTransport(dockerRootTransport); // a second composition of the library: a no-op
    assert.throws(() => registerTransport({ ...dockerRootTransport }), { code: 'INTERNAL' });
    assert.deepEqual(
      listTransports()
        .filter((t) => !canWrite(t))
        .map((t) => t.scheme),
      ['docker-root'],
    );
    assert.ok(listTransports().every(canRead));
  });

  it('parses docker-root names, with or without a root', () => {
    assert.deepEqual(parseImageName('docker-root:alpine:3.19'), { transport: 'docker-root', image: 'alpine:3.19' });
    assert.deepEqual(parseImageName('docker-root:/mnt/var/lib/docker:alpine'), { transport: 'docker-root', root: '/mnt/var/lib/docker', image: 'alpine' });
    assert.throws(() => parseImageName('docker-root:/mnt/docker'), { code: 'REFERENCE_INVALID', message: /docker-root:ROOT:IMAGE/ });
    assert.throws(() => parseImageName('docker-root:'), { code: 'REFERENCE_INVALID' });
  });

  it('tells a transport name from a registry reference, as inspect needs', () => {
    assert.equal(isTransportName('docker-root:alpine'), true);
    assert.equal(isTransportName('localhost:5000/a:b'), false);
    assert.deepEqual(parseImageNameOrReference('docker-root:alpine'), { transport: 'docker-root', image: 'alpine' });
    assert.deepEqual(parseImageNameOrReference('alpine'), { transport: 'docker', reference: { domain: 'docker.io', path: 'library/alpine', tag: 'latest' } });
  });

  it('names every transport in the parse error', () => {
    assert.throws(
      () => parseImageName('ftp:x'),
      (err: Error) => listTransports().every((t) => err.message.includes(t.syntax)),
    );
  });

  it('refuses to write a read-only transport, saying why', async () => {
    const client = new RegistryClient({ credentials: noCredentials });
    try {
      await assert.rejects(openSink(parseImageName('docker-root:alpine'), { client }), {
        code: 'UNSUPPORTED',
        message: /^docker-root: is read-only: Stowage never writes under a Docker root/,
      });
    } finally {
      await client.close();
    }
  });

  it("is the README's list of transports", async () => {
    const readme = await readFile(README, 'utf8');
    assert.ok(readme.includes(`${transportMarkdown()}\n`), `README.md should hold this table (generated from src/transport/table.ts):\n${transportMarkdown()}`);
  });
});
