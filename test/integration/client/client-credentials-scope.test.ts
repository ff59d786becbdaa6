import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { Digest } from '../../../src/digest/digest.js';
import { RegistryClient } from '../../../src/registry/client/client.js';

const listen = async (server: Server, host: string): Promise<string> => {
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  return `${host}:${(server.address() as AddressInfo).port}`;
};

describe('the client keeps credentials to the registry that asked for them', () => {
  let registry: Server;
  let elsewhere: Server;
  let registryHost: string;
  let elsewhereHost: string;
  const seenElsewhere: Array<string | undefined> = [];
  const basic = `Basic ${Buffer.from('alice:secret').toString('base64')}`;

  before(async () => {
    // Another host (127.0.0.2 is loopback too) that records what reaches it.
    elsewhere = createServer((req: IncomingMessage, res) => {
      seenElsewhere.push(req.headers.authorization);
      req.resume();
      req.on('end', () => {
        res.writeHead(req.method === 'PUT' ? 201 : 202, { location: `http://${elsewhereHost}/upload/1`, 'content-length': '0' });
        res.end();
      });
    });
    elsewhereHost = await listen(elsewhere, '127.0.0.2');
    // A registry that demands Basic auth, then sends uploads to the other host.
    registry = createServer((req, res) => {
      req.resume();
      if (req.headers.authorization !== basic) {
        res.writeHead(401, { 'www-authenticate': 'Basic realm="test"', 'content-length': '0' });
        return void res.end();
      }
      res.writeHead(req.url === '/v2/' ? 200 : 202, { location: `http://${elsewhereHost}/upload/1`, 'content-length': '0' });
      res.end();
    });
    registryHost = await listen(registry, '127.0.0.1');
  });
  after(() => {
    registry.closeAllConnections();
    elsewhere.closeAllConnections();
    registry.close();
    elsewhere.close();
  });

  it('never sends Authorization to an upload Location on another host', async () => {
    const client = new RegistryClient({
      credentials: {
        get: async (host) => (host === registryHost ? { username: 'alice', password: 'secret' } : undefined),
        store: async () => undefined,
        erase: async () => false,
      },
    });
    try {
      const data = Buffer.from('hello');
      await client.pushBlob(
        { domain: registryHost, path: 'a/b' },
        { mediaType: 'application/octet-stream', digest: Digest.of(data).toString(), size: data.length },
        Readable.from([data]),
      );
    } finally {
      await client.close();
    }
    assert.ok(seenElsewhere.length >= 2, 'the upload went to the other host');
    assert.deepEqual(seenElsewhere.filter(Boolean), [], 'no credentials reached it');
  });
});
