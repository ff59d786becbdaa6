import { randomBytes } from 'node:crypto';
import { after, before } from 'node:test';
import { parseReference } from '../../../src/reference/reference.js';
import { noCredentials } from '../../support/credentials.js';
import { RegistryClient } from '../../../src/registry/client/client.js';
import { RemoteSink, RemoteSource } from '../../../src/transport/remote.js';
import { startRegistry, type TestRegistry } from '../../support/registry.js';
import { runTransportSuite } from '../../unit/transport/transport-suite.js';

// The shared transport conformance suite, run against docker:// on a real registry server.
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

runTransportSuite(
  'docker:// registry',
  async () => {
    // A fresh namespace per test, so each starts from an empty destination.
    const prefix = `suite-${randomBytes(4).toString('hex')}`;
    const reference = (ref = 'stowage-suite') => parseReference(`${new URL(reg.url).host}/${prefix}/${ref}`);
    return {
      sink: async (ref) => new RemoteSink(client, reference(ref)),
      // Registries answer lazily; the suite expects a missing image to fail at open, so probe.
      source: async (ref) => {
        const source = new RemoteSource(client, reference(ref));
        await source.getManifest();
        return source;
      },
      cleanup: async () => undefined,
    };
  },
  { accumulates: true, registry: true },
);
