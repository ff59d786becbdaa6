/** distribution's TCP check against real sockets on 127.0.0.1: a listening port passes, a closed one fails. */
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { HealthMonitor } from '../../../src/registry/health/monitor.js';
import { splitAddress, tcpCheck } from '../../../src/registry/health/tcp-check.js';

const listen = (server: Server): Promise<number> =>
  new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as { port: number }).port)));

describe('tcp check', () => {
  let server: Server;
  let open: number;
  let closed: number;
  before(async () => {
    server = createServer((socket) => socket.destroy());
    open = await listen(server);
    // A port that was listening a moment ago and is not now: nothing answers there.
    const gone = createServer();
    closed = await listen(gone);
    await new Promise((resolve) => gone.close(resolve));
  });
  after(() => new Promise((resolve) => server.close(resolve)));

  it('a listening port: healthy', async () => {
    const check = tcpCheck({ addr: `127.0.0.1:${open}` });
    assert.equal(check.name, `127.0.0.1:${open}`);
    const monitor = new HealthMonitor([check]);
    await monitor.checkNow();
    assert.deepEqual(monitor.status(), {});
  });

  it('a closed port: failing with the refusal', async () => {
    const addr = `127.0.0.1:${closed}`;
    const monitor = new HealthMonitor([tcpCheck({ addr })]);
    await monitor.checkNow();
    assert.match(monitor.status()[addr] ?? '', /^connection failed: connect ECONNREFUSED 127\.0\.0\.1:\d+$/);
  });

  it('a port open again after failing: healthy again', async () => {
    const again = createServer((socket) => socket.destroy());
    const port = await listen(again);
    const addr = `127.0.0.1:${port}`;
    const monitor = new HealthMonitor([tcpCheck({ addr })]);
    await monitor.checkNow();
    assert.equal(monitor.healthy(), true);
    await new Promise((resolve) => again.close(resolve));
    await monitor.checkNow();
    assert.equal(monitor.healthy(), false);
    await new Promise<void>((resolve) => again.listen(port, '127.0.0.1', resolve));
    await monitor.checkNow();
    assert.equal(monitor.healthy(), true);
    await new Promise((resolve) => again.close(resolve));
  });

  it('addresses: host:port, [v6]:port, :port (this host); no port is refused', () => {
    assert.deepEqual(splitAddress('redis.example:6379'), { host: 'redis.example', port: 6379 });
    assert.deepEqual(splitAddress('[::1]:5000'), { host: '::1', port: 5000 });
    assert.deepEqual(splitAddress(':5000'), { host: 'localhost', port: 5000 });
    assert.throws(() => splitAddress('redis.example'), /expected host:port/);
    assert.throws(() => splitAddress('h:0'), /expected host:port/);
  });
});
