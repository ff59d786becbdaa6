import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseImageName } from '../../../src/transport/image-name.js';

describe('parseImageName (skopeo transport syntax)', () => {
  it('reads docker:// references, normalised', () => {
    assert.deepEqual(parseImageName('docker://alpine'), { transport: 'docker', reference: { domain: 'docker.io', path: 'library/alpine', tag: 'latest' } });
    assert.deepEqual(parseImageName('docker://localhost:5000/a/b:t'), { transport: 'docker', reference: { domain: 'localhost:5000', path: 'a/b', tag: 't' } });
  });
  it('splits FILE:REF at the first colon, so references may hold colons', () => {
    assert.deepEqual(parseImageName('oci:/tmp/x'), { transport: 'oci', path: '/tmp/x' });
    assert.deepEqual(parseImageName('oci:/tmp/x:v1'), { transport: 'oci', path: '/tmp/x', ref: 'v1' });
    assert.deepEqual(parseImageName('oci:/root:docker.io/library/alpine:latest'), { transport: 'oci', path: '/root', ref: 'docker.io/library/alpine:latest' });
    assert.deepEqual(parseImageName('oci-archive:a.tar:r'), { transport: 'oci-archive', path: 'a.tar', ref: 'r' });
    assert.deepEqual(parseImageName('docker-archive:a.tar:localhost:5000/x:t'), { transport: 'docker-archive', path: 'a.tar', ref: 'localhost:5000/x:t' });
    assert.deepEqual(parseImageName('docker-archive:a.tar:@1'), { transport: 'docker-archive', path: 'a.tar', ref: '@1' });
  });
  it('refuses what names no transport, with one line saying what does', () => {
    for (const bad of ['alpine', 'ftp:x', 'docker:alpine', 'oci:', 'docker://x/UPPER']) {
      assert.throws(() => parseImageName(bad), { code: 'REFERENCE_INVALID' }, bad);
    }
  });
});
