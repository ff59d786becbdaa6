import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { StowageError } from '../../../../src/errors/error.js';
import { toWireError } from '../../../../src/registry/server/http-errors.js';
import { DEFAULT_LIMITS, httpServerOptions, isExpired, nodeServerOptions, resolveLimits, UploadConcurrency } from '../../../../src/registry/server/limits.js';

describe('limits: defaults and resolveLimits', () => {
  it('has the documented defaults', () => {
    assert.deepEqual(
      { ...DEFAULT_LIMITS },
      {
        headersTimeoutMs: 30_000,
        idleTimeoutMs: 300_000,
        maxHeaderBytes: 16_384,
        maxConcurrentUploadsPerClient: 256,
        uploadSessionTtlMs: 86_400_000,
      },
    );
    assert.ok(Object.isFrozen(DEFAULT_LIMITS));
  });

  it('overrides only what is given', () => {
    assert.deepEqual(resolveLimits({ maxHeaderBytes: 8192 }), { ...DEFAULT_LIMITS, maxHeaderBytes: 8192 });
    assert.deepEqual(resolveLimits({ uploadSessionTtlMs: Infinity }).uploadSessionTtlMs, Infinity);
    assert.deepEqual(resolveLimits(), { ...DEFAULT_LIMITS });
  });

  it('refuses non-positive, fractional, NaN and infinite values with CONFIG_INVALID', () => {
    for (const bad of [0, -1, 1.5, NaN, Infinity, '10' as unknown as number]) {
      assert.throws(() => resolveLimits({ headersTimeoutMs: bad }), { code: 'CONFIG_INVALID' }, String(bad));
    }
    assert.throws(() => resolveLimits({ uploadSessionTtlMs: -Infinity }), { code: 'CONFIG_INVALID' });
  });
});

describe('limits: server options', () => {
  it('gives fastify an idle timeout, no total request timeout, and the Node header limits', () => {
    const limits = resolveLimits({ headersTimeoutMs: 20_000, idleTimeoutMs: 60_000, maxHeaderBytes: 8192 });
    const options = nodeServerOptions(limits);
    assert.equal(options.connectionTimeout, 60_000);
    assert.equal(options.requestTimeout, 0);
    assert.equal(options.https, undefined);
    assert.deepEqual(options.http, { maxHeaderSize: 8192, headersTimeout: 20_000, requestTimeout: 0, connectionsCheckingInterval: 5000 });
  });

  it('puts the Node limits in the https options with the TLS material (fastify ignores `http` then)', () => {
    const tls = { key: Buffer.from('k'), cert: Buffer.from('c') };
    const options = nodeServerOptions(DEFAULT_LIMITS, tls);
    assert.equal(options.http, undefined);
    assert.equal(options.https?.key, tls.key);
    assert.equal(options.https?.cert, tls.cert);
    assert.equal(options.https?.maxHeaderSize, 16_384);
    assert.equal(options.https?.headersTimeout, 30_000);
    assert.equal(options.https?.requestTimeout, 0);
  });

  it('checks connections often enough to enforce the header timeout, within bounds', () => {
    assert.equal(httpServerOptions(resolveLimits({ headersTimeoutMs: 30_000 })).connectionsCheckingInterval, 7500);
    assert.equal(httpServerOptions(resolveLimits({ headersTimeoutMs: 100 })).connectionsCheckingInterval, 50);
    assert.equal(httpServerOptions(resolveLimits({ headersTimeoutMs: 3_600_000 })).connectionsCheckingInterval, 30_000);
  });

  it('are accepted by http.createServer for any valid limits (headersTimeout <= requestTimeout never trips)', () => {
    fc.assert(
      fc.property(
        fc.record({
          headersTimeoutMs: fc.integer({ min: 1, max: 10_000_000 }),
          idleTimeoutMs: fc.integer({ min: 1, max: 10_000_000 }),
          maxHeaderBytes: fc.integer({ min: 1, max: 1 << 20 }),
        }),
        (partial) => {
          const limits = resolveLimits(partial);
          const server = createServer(httpServerOptions(limits));
          assert.equal(server.headersTimeout, limits.headersTimeoutMs);
          assert.equal(server.requestTimeout, 0);
          assert.equal((server as unknown as { maxHeaderSize: number }).maxHeaderSize, limits.maxHeaderBytes);
        },
      ),
      { numRuns: 100 },
    );
  });
});

describe('limits: UploadConcurrency', () => {
  it('admits up to the limit per client, then throws TOOMANYREQUESTS (429 on the wire)', () => {
    const uploads = new UploadConcurrency(2);
    const a1 = uploads.acquire('10.0.0.1');
    uploads.acquire('10.0.0.1');
    let thrown: unknown;
    try {
      uploads.acquire('10.0.0.1');
    } catch (err) {
      thrown = err;
    }
    assert.ok(thrown instanceof StowageError && thrown.code === 'TOOMANYREQUESTS');
    assert.equal(toWireError(thrown).status, 429);
    assert.equal(toWireError(thrown).body.errors[0]?.code, 'TOOMANYREQUESTS');
    // Another client is not affected.
    uploads.acquire('10.0.0.2')();
    a1();
    uploads.acquire('10.0.0.1');
    assert.equal(uploads.inUse('10.0.0.1'), 2);
  });

  it('release is idempotent and forgets idle clients', () => {
    const uploads = new UploadConcurrency(1);
    const release = uploads.acquire('c');
    release();
    release();
    assert.equal(uploads.inUse('c'), 0);
    assert.equal(uploads.clients, 0);
    const again = uploads.acquire('c');
    release(); // a stale release must not free the new slot
    assert.equal(uploads.inUse('c'), 1);
    again();
  });

  it('refuses a non-positive limit', () => {
    assert.throws(() => new UploadConcurrency(0), { code: 'CONFIG_INVALID' });
    assert.throws(() => new UploadConcurrency(1.5), { code: 'CONFIG_INVALID' });
    assert.equal(new UploadConcurrency().limit, DEFAULT_LIMITS.maxConcurrentUploadsPerClient);
  });

  it('model check: never more than `limit` slots per client, and the count matches a model', () => {
    const op = fc.record({ client: fc.constantFrom('a', 'b', 'c'), acquire: fc.boolean(), pick: fc.nat() });
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 4 }), fc.array(op, { maxLength: 200 }), (limit, ops) => {
        const uploads = new UploadConcurrency(limit);
        const held: Array<{ client: string; release: () => void }> = [];
        for (const { client, acquire, pick } of ops) {
          const model = held.filter((h) => h.client === client).length;
          if (acquire) {
            try {
              held.push({ client, release: uploads.acquire(client) });
              assert.ok(model < limit);
            } catch (err) {
              assert.ok(err instanceof StowageError && err.code === 'TOOMANYREQUESTS');
              assert.equal(model, limit);
            }
          } else if (held.length > 0) {
            const [h] = held.splice(pick % held.length, 1);
            h!.release();
            h!.release();
          }
          for (const c of ['a', 'b', 'c']) assert.equal(uploads.inUse(c), held.filter((h) => h.client === c).length);
        }
        assert.equal(uploads.clients, new Set(held.map((h) => h.client)).size);
      }),
      { numRuns: 300 },
    );
  });
});

describe('limits: isExpired', () => {
  const start = new Date('2024-01-01T00:00:00Z');
  const at = (ms: number) => new Date(start.getTime() + ms);

  it('expires once the TTL has fully elapsed', () => {
    assert.equal(isExpired(start, 1000, at(999)), false);
    assert.equal(isExpired(start, 1000, at(1000)), true);
    assert.equal(isExpired(start, 1000, at(5000)), true);
  });

  it('a start in the future (clock skew) is not expired; an invalid start is', () => {
    assert.equal(isExpired(at(60_000), 1000, start), false);
    assert.equal(isExpired(new Date('not a date'), 1000, start), true);
  });

  it('Infinity never expires; now defaults to the clock', () => {
    assert.equal(isExpired(new Date(0), Infinity), false);
    assert.equal(isExpired(new Date(Date.now() - 10_000), 5_000), true);
    assert.equal(isExpired(new Date(Date.now()), 60_000), false);
  });

  it('is monotonic in now and agrees with the arithmetic', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 1e9 }), fc.integer({ min: -1e9, max: 1e10 }), (ttl, elapsed) => {
        assert.equal(isExpired(start, ttl, at(elapsed)), elapsed >= ttl);
      }),
    );
  });
});
