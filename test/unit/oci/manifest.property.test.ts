import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { StowageError } from '../../../src/errors/error.js';
import { MANIFEST_MEDIA_TYPES, MediaType, parseManifest } from '../../../src/oci/index.js';

const encoder = new TextEncoder();
const DIGEST = `sha256:${'ab'.repeat(32)}`;

const contentType = fc.option(
  fc.oneof(fc.constantFrom(...MANIFEST_MEDIA_TYPES, MediaType.DOCKER_SCHEMA1, 'application/json', ''), fc.string({ unit: 'binary', maxLength: 40 })),
  { nil: undefined },
);

/** Values that look like descriptors, with every field sometimes wrong. */
const descriptorish = fc.record(
  {
    mediaType: fc.oneof(fc.constantFrom(MediaType.OCI_LAYER_GZIP, 'a/b', 'bad'), fc.jsonValue()),
    digest: fc.oneof(fc.constant(DIGEST), fc.string(), fc.jsonValue()),
    size: fc.oneof(fc.nat(), fc.double(), fc.jsonValue()),
    annotations: fc.oneof(fc.dictionary(fc.string(), fc.string()), fc.jsonValue()),
    platform: fc.oneof(fc.record({ architecture: fc.string(), os: fc.string() }), fc.jsonValue()),
  },
  { requiredKeys: [] },
);

/** Objects close to a manifest, so the validator gets past the first checks. */
const manifestish = fc.record(
  {
    schemaVersion: fc.oneof(fc.constant(2), fc.constant(1), fc.jsonValue()),
    mediaType: fc.oneof(fc.constantFrom(...MANIFEST_MEDIA_TYPES), fc.jsonValue()),
    config: fc.oneof(descriptorish, fc.jsonValue()),
    layers: fc.oneof(fc.array(descriptorish, { maxLength: 3 }), fc.jsonValue()),
    manifests: fc.oneof(fc.array(descriptorish, { maxLength: 3 }), fc.jsonValue()),
    subject: fc.oneof(descriptorish, fc.jsonValue()),
    artifactType: fc.oneof(fc.constant('application/vnd.x'), fc.jsonValue()),
    annotations: fc.oneof(fc.dictionary(fc.string(), fc.string()), fc.jsonValue()),
    __proto__: fc.jsonValue(),
  },
  { requiredKeys: [] },
);

function onlyStowageErrors(bytes: Uint8Array, type: string | undefined): void {
  try {
    parseManifest(bytes, type);
  } catch (err) {
    assert.ok(err instanceof StowageError, `threw ${String(err)}`);
    assert.equal(err.code, 'MANIFEST_INVALID');
    assert.doesNotMatch(err.message, /[\n\r\u2028\u2029]/);
  }
}

describe('parseManifest properties', () => {
  it('arbitrary bytes throw nothing but MANIFEST_INVALID', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), contentType, (bytes, type) => onlyStowageErrors(bytes, type)),
      { numRuns: 2000 },
    );
  });

  it('arbitrary JSON throws nothing but MANIFEST_INVALID', () => {
    fc.assert(
      fc.property(fc.json(), contentType, (json, type) => onlyStowageErrors(encoder.encode(json), type)),
      { numRuns: 2000 },
    );
  });

  it('manifest-shaped JSON throws nothing but MANIFEST_INVALID, and what parses is consistent', () => {
    fc.assert(
      fc.property(manifestish, contentType, (body, type) => {
        const bytes = encoder.encode(JSON.stringify(body));
        onlyStowageErrors(bytes, type);
        let parsed;
        try {
          parsed = parseManifest(bytes, type);
        } catch {
          return;
        }
        assert.ok(MANIFEST_MEDIA_TYPES.includes(parsed.mediaType));
        if (parsed.kind === 'index') assert.deepEqual(parsed.layers, []);
        else assert.ok(parsed.config !== undefined && parsed.manifests.length === 0);
      }),
      { numRuns: 3000 },
    );
  });

  it('deeply nested JSON is refused or parsed, never crashes', () => {
    const deep = `${'['.repeat(100_000)}${']'.repeat(100_000)}`;
    onlyStowageErrors(encoder.encode(deep), undefined);
    const deepObject = `{"schemaVersion":2,"config":${'{"a":'.repeat(50_000)}1${'}'.repeat(50_000)}}`;
    onlyStowageErrors(encoder.encode(deepObject), undefined);
  });
});
