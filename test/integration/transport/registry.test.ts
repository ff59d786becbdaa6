import { after, before } from 'node:test';
import { parseReference } from '../../../src/reference/reference.js';
import { RegistryClient } from '../../../src/registry/client/client.js';
import { copyImage } from '../../../src/transport/copy.js';
import { OciLayoutSource } from '../../../src/transport/oci-layout.js';
import { RemoteSink } from '../../../src/transport/remote.js';
import { noCredentials } from '../../support/credentials.js';
import { writeImageLayout, writeIndexLayout } from '../../support/oci-layout.js';
import { startRegistry, type TestRegistry } from '../../support/registry.js';
import { runSourceConformance } from '../../support/source-conformance.js';
import { openName, tempDir } from './names.js';

// docker:// against a real registry server (ours, on a loopback port), an image and an index pushed to it.
let reg: TestRegistry;
let client: RegistryClient;
before(async () => {
  reg = await startRegistry();
  client = new RegistryClient({ credentials: noCredentials });
});
after(async () => {
  await client.close();
  await reg.close();
});

for (const kind of ['image', 'index'] as const) {
  runSourceConformance(`docker:// registry (${kind})`, async () => {
    const dir = await tempDir(`conformance-registry-${kind}`);
    const built =
      kind === 'image'
        ? await writeImageLayout(dir, { layers: 3, seed: 'conformance-registry', tag: 'v1' })
        : await writeIndexLayout(dir, {
            seed: 'conformance-registry-index',
            tag: 'v1',
            platforms: [
              { os: 'linux', architecture: 'arm64', variant: 'v8' },
              { os: 'linux', architecture: 'amd64' },
            ],
          });
    const name = `${new URL(reg.url).host}/conformance/${kind}:v1`;
    await copyImage(await OciLayoutSource.open(dir, 'v1'), new RemoteSink(client, parseReference(name)), { platform: 'all' });
    return { kind, digest: built.digest, open: () => openName(`docker://${name}`) };
  });
}
