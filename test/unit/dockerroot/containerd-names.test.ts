import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { imageNames } from '../../../src/dockerroot/containerd/names.js';

const D = `sha256:${'a'.repeat(64)}`;

describe('containerd image names as docker prints them', () => {
  it('shortens docker.io names and gives each repository the target digest', () => {
    assert.deepEqual(imageNames(['docker.io/library/alpine:3.20', 'docker.io/library/alpine:latest', 'docker.io/user/app:1'], D), {
      repoTags: ['alpine:3.20', 'alpine:latest', 'user/app:1'],
      repoDigests: [`alpine@${D}`, `user/app@${D}`],
    });
  });

  it('keeps other registries whole', () => {
    assert.deepEqual(imageNames(['localhost:5000/a/b:1', 'ghcr.io/o/r:v2'], D), {
      repoTags: ['ghcr.io/o/r:v2', 'localhost:5000/a/b:1'],
      repoDigests: [`ghcr.io/o/r@${D}`, `localhost:5000/a/b@${D}`],
    });
  });

  it('lists a name pulled by digest only as a repo digest, and hides dockerd dangling names', () => {
    assert.deepEqual(imageNames([`docker.io/library/alpine@${D}`, `moby-dangling@${D}`], D), {
      repoTags: [],
      repoDigests: [`alpine@${D}`],
    });
  });

  it('keeps a name that is not a reference as containerd has it', () => {
    assert.deepEqual(imageNames(['Not A Reference'], D), { repoTags: ['Not A Reference'], repoDigests: [] });
  });
});
