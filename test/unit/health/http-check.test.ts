/**
 * distribution's HTTP check against a real node:http server that answers 200, then 500, then
 * nothing at all: healthy, failing with the status, failing at the timeout.
 */
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { httpCheck } from '../../../src/registry/health/http-check.js';
import { HealthMonitor } from '../../../src/registry/health/monitor.js';

describe('http check', () => {
  let server: Server;
  let uri: string;
  let answer: number | 'hang' = 200;
  const requests: IncomingMessage[] = [];
  before(async () => {
    server = createServer((request, response) => {
      requests.push(request);
      if (answer === 'hang') return;
      response.writeHead(answer).end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    uri = `http://127.0.0.1:${(server.address() as { port: number }).port}/health`;
  });
  after(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  it('200, then 500, then a hang past the timeout, then 200 again', async () => {
    const check = httpCheck({ uri, headers: { Authorization: ['Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ=='], 'X-Probe': ['a', 'b'] }, timeoutMs: 200 });
    assert.equal(check.name, uri);
    const monitor = new HealthMonitor([check]);

    await monitor.checkNow();
    assert.deepEqual(monitor.status(), {});
    const first = requests.at(-1)!;
    assert.equal(first.method, 'HEAD', "distribution's checker sends HEAD");
    assert.equal(first.url, '/health');
    assert.equal(first.headers.authorization, 'Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==');
    assert.equal(first.headers['x-probe'], 'a, b', 'every value of a header is sent');

    answer = 500;
    await monitor.checkNow();
    assert.deepEqual(monitor.status(), { [uri]: 'answered 500, expected 200' });

    answer = 'hang';
    const started = Date.now();
    await monitor.checkNow();
    const took = Date.now() - started;
    assert.ok(took >= 190 && took < 2_000, `the round ended at the 200ms timeout (took ${took}ms)`);
    assert.deepEqual(monitor.status(), { [uri]: 'no answer within 200ms' });

    answer = 200;
    await monitor.checkNow();
    assert.deepEqual(monitor.status(), {});
  });

  it('the expected status is the configured one: 204 passes only a check that expects it', async () => {
    answer = 204;
    const expects204 = new HealthMonitor([httpCheck({ uri, statusCode: 204 })]);
    const expects200 = new HealthMonitor([httpCheck({ uri })]);
    await Promise.all([expects204.checkNow(), expects200.checkNow()]);
    assert.deepEqual(expects204.status(), {});
    assert.deepEqual(expects200.status(), { [uri]: 'answered 204, expected 200' });
  });

  it('nothing listening: failing with the cause, not just "fetch failed"', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as { port: number }).port;
    await new Promise((resolve) => closed.close(resolve));
    const target = `http://127.0.0.1:${port}/`;
    const monitor = new HealthMonitor([httpCheck({ uri: target })]);
    await monitor.checkNow();
    assert.match(monitor.status()[target] ?? '', /^request failed: .*ECONNREFUSED/);
  });
});
