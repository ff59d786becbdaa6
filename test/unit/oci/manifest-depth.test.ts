/**
 * Deeply nested JSON in any field of a pushed manifest is MANIFEST_INVALID, never an internal
 * error. Found by probing the server: `{"schemaVersion":[[[…10 000 deep…]]]}` was a 500 (the
 * message quoting the bad value overflowed the stack). manifest.property.test.ts covers deep
 * nesting of the whole document and of `config`; this covers every field.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { StowageError } from '../../../src/errors/error.js';
import { parseManifest } from '../../../src/oci/manifest.js';

const FIELDS = ['schemaVersion', 'mediaType', 'config', 'layers', 'manifests', 'subject', 'artifactType', 'annotations'];
const BASES: Record<string, unknown> = {
  image: {
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    config: { mediaType: 'a/b', digest: `sha256:${'a'.repeat(64)}`, size: 1 },
    layers: [],
  },
  index: { schemaVersion: 2, mediaType: 'application/vnd.oci.image.index.v1+json', manifests: [] },
  bare: { schemaVersion: 2 },
};

function nested(kind: 'array' | 'object', depth: number): string {
  return kind === 'array' ? `${'['.repeat(depth)}${']'.repeat(depth)}` : `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;
}

describe('parseManifest: deep nesting in any field', () => {
  for (const depth of [1_000, 20_000]) {
    it(`refuses ${depth}-deep arrays and objects in every field with MANIFEST_INVALID`, () => {
      for (const [baseName, base] of Object.entries(BASES)) {
        for (const field of FIELDS) {
          for (const kind of ['array', 'object'] as const) {
            const json = JSON.stringify({ ...(base as object), [field]: '__DEEP__' }).replace('"__DEEP__"', nested(kind, depth));
            for (const contentType of [undefined, 'application/vnd.oci.image.manifest.v1+json']) {
              try {
                parseManifest(Buffer.from(json), contentType);
              } catch (err) {
                assert.ok(err instanceof StowageError && err.code === 'MANIFEST_INVALID', `${baseName}.${field} ${kind} ${depth}: ${String(err)}`);
                assert.ok(err.message.length < 400);
              }
            }
          }
        }
      }
    });
  }
});
