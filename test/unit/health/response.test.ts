/** `/debug/health`'s answer: distribution's body byte for byte, 200 or 503. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { healthResponse } from '../../../src/registry/health/response.js';

const of = (status: Record<string, string>) => healthResponse({ status: () => status });

describe('healthResponse', () => {
  it('healthy: 200 and {}', () => {
    assert.deepEqual(of({}), { status: 200, body: '{}', contentType: 'application/json' });
  });

  it('failing: 503, the checks in key order, without a trailing newline (Go json.Marshal)', () => {
    const response = of({ storagedriver_filesystem: 'storage cannot be written: EROFS', '/srv/drain': '/srv/drain exists' });
    assert.equal(response.status, 503);
    assert.equal(response.body, '{"/srv/drain":"/srv/drain exists","storagedriver_filesystem":"storage cannot be written: EROFS"}');
    assert.deepEqual(JSON.parse(response.body), { '/srv/drain': '/srv/drain exists', storagedriver_filesystem: 'storage cannot be written: EROFS' });
  });

  it('escapes as Go does: <, > and & as \\u00xx, quotes and control characters as JSON', () => {
    const response = of({ 'http://a/?x=1&y=2': 'answered <html> "503"\n' });
    assert.equal(response.body, '{"http://a/?x=1\\u0026y=2":"answered \\u003chtml\\u003e \\"503\\"\\n"}');
    assert.deepEqual(JSON.parse(response.body), { 'http://a/?x=1&y=2': 'answered <html> "503"\n' });
  });
});
