/**
 * Framework (fastify) client errors raised before any handler runs are the client's fault:
 * `Content-Type: foo` on a request that may carry a body was a 500 (FST_ERR_CTP_INVALID_MEDIA_TYPE
 * went to the error handler as an unknown error). They keep their 4xx, with a registry body.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { StowageError } from '../../../../src/errors/error.js';
import { toWireError } from '../../../../src/registry/server/http-errors.js';
import { createRegistryServer } from '../../../../src/registry/server/server.js';
import { RegistryStore } from '../../../../src/registry/store/registry.js';
import { MemoryDriver } from '../../../../src/storage/memory/driver.js';

function frameworkError(code: string, statusCode: number, message = 'framework says no'): Error {
  return Object.assign(new Error(message), { code, statusCode });
}

describe('toWireError: framework client errors', () => {
  it('keeps the 4xx of a fastify FST_ERR_* error, with a fixed message and code UNSUPPORTED', () => {
    const wire = toWireError(frameworkError('FST_ERR_CTP_INVALID_MEDIA_TYPE', 415, 'Unsupported Media Type'));
    assert.equal(wire.status, 415);
    assert.deepEqual(wire.body, { errors: [{ code: 'UNSUPPORTED', message: 'the Content-Type header is not a valid media type' }] });
    const other = toWireError(frameworkError('FST_ERR_CTP_INVALID_CONTENT_LENGTH', 400, '/secret/path in a message'));
    assert.equal(other.status, 400);
    assert.ok(!JSON.stringify(other.body).includes('/secret/path'));
  });

  it('still turns anything else into a bare 500', () => {
    for (const err of [
      frameworkError('FST_ERR_SOMETHING', 500),
      frameworkError('FST_ERR_SOMETHING', 302),
      frameworkError('ENOENT', 404),
      Object.assign(new Error('x'), { statusCode: 400 }),
      new Error('/docker/registry/v2/secret'),
      'a string',
      undefined,
    ]) {
      const wire = toWireError(err);
      assert.equal(wire.status, 500, String(err));
      assert.deepEqual(wire.body, { errors: [{ code: 'UNKNOWN', message: 'internal server error' }] });
    }
    assert.equal(toWireError(new StowageError('INTERNAL', 'x')).status, 500);
  });

  it('answers `Content-Type: foo`, empty or `;;;` with 415 on every body method of the real server', async () => {
    const app = createRegistryServer({ store: new RegistryStore({ driver: new MemoryDriver() }) });
    try {
      for (const method of ['POST', 'PUT', 'PATCH', 'DELETE'] as const) {
        for (const contentType of ['foo', '', ';;;', '/']) {
          const res = await app.inject({ method, url: '/v2/a/blobs/uploads/', headers: { 'content-type': contentType }, payload: 'abc' });
          assert.equal(res.statusCode, 415, `${method} ${JSON.stringify(contentType)}: ${res.body}`);
          assert.equal(JSON.parse(res.body).errors[0].code, 'UNSUPPORTED');
        }
      }
    } finally {
      await app.close();
    }
  });
});
