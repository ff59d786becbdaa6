/**
 * distribution's `health` section: its defaults (registry/handlers/app.go), durations as Stowage
 * reads them elsewhere, a misspelt key refused by its name, and the checks a config makes.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { resolveHealth } from '../../../src/config/health-config.js';
import { createHealthChecks } from '../../../src/registry/health/create.js';
import { MemoryDriver } from '../../../src/storage/memory/driver.js';

describe('health configuration', () => {
  it('nothing enabled is no settings: absent, empty, or the storage check turned off', () => {
    assert.equal(resolveHealth(undefined), undefined);
    assert.equal(resolveHealth(null), undefined);
    assert.equal(resolveHealth({}), undefined);
    assert.equal(resolveHealth({ storagedriver: { enabled: false, interval: '5s' }, file: [], http: null }), undefined);
  });

  it("distribution's defaults: interval 10s, threshold 1, status 200; timeouts 3s", () => {
    const settings = resolveHealth({
      storagedriver: { enabled: true },
      file: [{ file: '/srv/drain' }],
      http: [{ uri: 'http://upstream/health' }],
      tcp: [{ addr: 'redis:6379' }],
    });
    assert.deepEqual(settings, {
      storageDriver: { intervalMs: 10_000, threshold: 1 },
      file: [{ file: '/srv/drain', intervalMs: 10_000 }],
      http: [{ uri: 'http://upstream/health', headers: {}, statusCode: 200, timeoutMs: 3_000, intervalMs: 10_000, threshold: 1 }],
      tcp: [{ addr: 'redis:6379', timeoutMs: 3_000, intervalMs: 10_000, threshold: 1 }],
    });
  });

  it("every key of distribution's example, durations as strings or seconds; 0 is unset", () => {
    const settings = resolveHealth({
      storagedriver: { enabled: true, interval: '30s', threshold: 3 },
      file: [{ file: '/path/to/checked/file', interval: 5 }],
      http: [
        {
          uri: 'https://server.to.check/must/return/200',
          headers: { Authorization: ['Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ=='], 'X-One': 'single' },
          statuscode: 204,
          timeout: '500ms',
          interval: '1m',
          threshold: 2,
        },
      ],
      tcp: [{ addr: 'redis-server.domain.com:6379', timeout: 0, interval: '0s', threshold: 0 }],
    });
    assert.deepEqual(settings?.storageDriver, { intervalMs: 30_000, threshold: 3 });
    assert.deepEqual(settings?.file, [{ file: '/path/to/checked/file', intervalMs: 5_000 }]);
    assert.deepEqual(settings?.http, [
      {
        uri: 'https://server.to.check/must/return/200',
        headers: { Authorization: ['Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ=='], 'X-One': ['single'] },
        statusCode: 204,
        timeoutMs: 500,
        intervalMs: 60_000,
        threshold: 2,
      },
    ]);
    assert.deepEqual(settings?.tcp, [{ addr: 'redis-server.domain.com:6379', timeoutMs: 3_000, intervalMs: 10_000, threshold: 1 }]);
  });

  it('a misspelt key is CONFIG_INVALID naming it, wherever it is', () => {
    const refused = (value: unknown, key: string) =>
      assert.throws(
        () => resolveHealth(value),
        (err: { code: string; message: string; detail: { key: string } }) => {
          assert.equal(err.code, 'CONFIG_INVALID');
          assert.equal(err.detail.key, key);
          assert.ok(err.message.includes(key), err.message);
          return true;
        },
      );
    refused({ storagedriver: { enabled: true, intervall: '10s' } }, 'health.storagedriver.intervall');
    refused({ storagedrivers: { enabled: true } }, 'health.storagedrivers');
    refused({ http: [{ uri: 'http://a/' }, { uri: 'http://b/', statuscod: 200 }] }, 'health.http[1].statuscod');
    refused({ tcp: [{ address: 'redis:6379' }] }, 'health.tcp[0].address');
    refused({ file: [{ file: '/a', threshold: 3 }] }, 'health.file[0].threshold');
  });

  it('a value that does not fit is CONFIG_INVALID naming its key', () => {
    const refused = (value: unknown, pattern: RegExp) => assert.throws(() => resolveHealth(value), { code: 'CONFIG_INVALID', message: pattern });
    refused({ storagedriver: { enabled: 'yes' } }, /^health\.storagedriver\.enabled: /);
    refused({ storagedriver: { enabled: true, threshold: -1 } }, /^health\.storagedriver\.threshold: /);
    refused({ http: [{ uri: 'http://a/', timeout: 'soon' }] }, /^health\.http\[0\]\.timeout: invalid duration "soon"/);
    refused({ http: [{ uri: 'ftp://a/' }] }, /^health\.http\[0\]\.uri: "ftp:\/\/a\/" is not an http:\/\/ or https:\/\/ URI/);
    refused({ http: [{ uri: 'http://a/', headers: { 'Bad Name': ['x'] } }] }, /"Bad Name" is not a header name/);
    refused({ http: [{ uri: 'http://a/', statuscode: 700 }] }, /^health\.http\[0\]\.statuscode: /);
    refused({ tcp: [{ addr: 'redis' }] }, /^health\.tcp\[0\]\.addr: .*expected host:port/);
    refused({ file: [{ file: '/a' }, { file: '/a' }] }, /^health\.file\[1\]: \/a is checked twice/);
    refused({ tcp: [{ addr: 'a:1', interval: -5 }] }, /^health\.tcp\[0\]\.interval: a duration cannot be negative/);
  });

  it("the checks made from settings, under distribution's names, in its order", () => {
    const settings = resolveHealth({
      tcp: [{ addr: 'redis:6379', timeout: '2s', threshold: 4 }],
      http: [{ uri: 'http://upstream/health', statuscode: 204 }],
      file: [{ file: '/srv/drain', interval: '1s' }],
      storagedriver: { enabled: true, interval: '20s', threshold: 2 },
    })!;
    const checks = createHealthChecks(settings, new MemoryDriver());
    assert.deepEqual(
      checks.map((c) => [c.name, c.intervalMs, c.threshold, c.timeoutMs]),
      [
        ['storagedriver_inmemory', 20_000, 2, 10_000],
        ['/srv/drain', 1_000, 1, 3_000],
        ['http://upstream/health', 10_000, 1, 3_000],
        ['redis:6379', 10_000, 4, 2_000],
      ],
    );
  });

  it("the storage check's deadline is its interval when that is shorter than 10s", () => {
    const settings = resolveHealth({ storagedriver: { enabled: true, interval: '2s' } })!;
    assert.equal(createHealthChecks(settings, new MemoryDriver())[0]!.timeoutMs, 2_000);
  });
});
