import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { endpointsFor, isInsecure, isLoopback } from '../../../../src/registry/client/hosts.js';

describe('registry endpoints, by Docker rules', () => {
  it('sends docker.io to registry-1.docker.io, over HTTPS, with docker.io credentials', () => {
    for (const domain of ['docker.io', 'index.docker.io']) {
      assert.deepEqual(endpointsFor(domain), [{ baseUrl: 'https://registry-1.docker.io', credentialHost: 'docker.io', insecure: false, mirror: false }]);
    }
  });

  it('puts mirrors first, pull-only, each with its own credentials host', () => {
    const endpoints = endpointsFor('docker.io', { mirrors: { 'docker.io': ['https://mirror.example:5000/', 'http://cache.local'] } });
    assert.deepEqual(
      endpoints.map((e) => [e.baseUrl, e.credentialHost, e.insecure, e.mirror]),
      [
        ['https://mirror.example:5000', 'mirror.example:5000', false, true],
        ['http://cache.local', 'cache.local', true, true],
        ['https://registry-1.docker.io', 'docker.io', false, false],
      ],
    );
    assert.equal(endpointsFor('ghcr.io', { mirrors: { 'docker.io': ['https://m'] } }).length, 1, 'mirrors are per domain');
  });

  it('allows plain HTTP only for loopback and listed insecure registries', () => {
    for (const host of ['localhost', 'localhost:5000', '127.0.0.1:5000', '127.1.2.3', '[::1]:5000']) assert.ok(isLoopback(host), host);
    for (const host of ['10.0.0.1:5000', 'example.com', 'localhost.example.com', '128.0.0.1']) assert.ok(!isLoopback(host), host);
    assert.ok(isInsecure('registry.local:5000', { insecureRegistries: ['registry.local:5000'] }));
    assert.ok(!isInsecure('registry.local:5000', { insecureRegistries: ['registry.local'] }));
    assert.equal(endpointsFor('ghcr.io')[0]?.insecure, false);
    assert.equal(endpointsFor('127.0.0.1:5000')[0]?.insecure, true);
  });
});
