import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isStowageError } from '../../../src/errors/error.js';
import {
  isIndexMediaType,
  isManifestMediaType,
  MANIFEST_MEDIA_TYPES,
  MediaType,
  parseManifest,
  referrerDescriptor,
  stripParameters,
} from '../../../src/oci/index.js';

const D1 = 'sha256:b5b2b2c507a0944348e0303114d8d93aaaa081732b86451d9bce1f432a537bc7';
const D2 = 'sha256:9834876dcfb05cb167a5c24953eba58c4ac89b1adf57f28f2f9d09af107ee8f0';
const D3 = 'sha256:3c3a4604a545cdc127456d94e421cd355bca5b528f4a9c1905b15da2eb4a4c6b';
const D4 = 'sha256:5b0bcabd1ed22e9fb1310cf6c2dec7cdef19f0ad69efa1f392e94a4333501270';
const EMPTY = 'sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a';

// Fixtures shaped after the examples in oci-image/manifest.md, image-index.md and docker/manifest-v2-2.md.
const OCI_MANIFEST = {
  schemaVersion: 2,
  mediaType: MediaType.OCI_MANIFEST,
  config: { mediaType: MediaType.OCI_CONFIG, digest: D1, size: 7023 },
  layers: [
    { mediaType: MediaType.OCI_LAYER_GZIP, digest: D2, size: 32654 },
    { mediaType: MediaType.OCI_LAYER_ZSTD, digest: D3, size: 16724, annotations: { 'org.example': 'x' } },
  ],
  subject: { mediaType: MediaType.OCI_MANIFEST, digest: D4, size: 7682 },
  annotations: { 'com.example.key1': 'value1', 'com.example.key2': 'value2' },
};

const OCI_INDEX = {
  schemaVersion: 2,
  mediaType: MediaType.OCI_INDEX,
  manifests: [
    { mediaType: MediaType.OCI_MANIFEST, digest: D2, size: 7143, platform: { architecture: 'ppc64le', os: 'linux' } },
    {
      mediaType: MediaType.OCI_MANIFEST,
      digest: D4,
      size: 7682,
      platform: { architecture: 'arm64', os: 'linux', variant: 'v8', 'os.features': ['x'] },
    },
    { mediaType: 'application/vnd.example.unknown+json', digest: D3, size: 12 },
  ],
  annotations: { 'com.example.key1': 'value1' },
};

const DOCKER_MANIFEST = {
  schemaVersion: 2,
  mediaType: MediaType.DOCKER_MANIFEST,
  config: { mediaType: MediaType.DOCKER_CONFIG, digest: D1, size: 7023 },
  layers: [
    { mediaType: MediaType.DOCKER_LAYER, digest: D2, size: 32654 },
    { mediaType: MediaType.DOCKER_FOREIGN_LAYER, digest: D3, size: 16724, urls: ['https://example.com/layer'] },
  ],
};

const DOCKER_LIST = {
  schemaVersion: 2,
  mediaType: MediaType.DOCKER_MANIFEST_LIST,
  manifests: [
    { mediaType: MediaType.DOCKER_MANIFEST, digest: D2, size: 7143, platform: { architecture: 'ppc64le', os: 'linux' } },
    { mediaType: MediaType.DOCKER_MANIFEST, digest: D4, size: 7682, platform: { architecture: 'amd64', os: 'linux', features: ['sse4'] } },
  ],
};

const ARTIFACT = {
  schemaVersion: 2,
  mediaType: MediaType.OCI_MANIFEST,
  artifactType: 'application/vnd.example.sbom.v1',
  config: { mediaType: MediaType.OCI_EMPTY, digest: EMPTY, size: 2, data: 'e30=' },
  layers: [],
  subject: { mediaType: MediaType.OCI_MANIFEST, digest: D4, size: 7682 },
  annotations: { 'org.opencontainers.image.created': '2022-01-01T14:42:55Z' },
};

function bytes(value: unknown): Uint8Array {
  return new TextEncoder().encode(typeof value === 'string' ? value : JSON.stringify(value));
}

function clone<T>(value: T): T {
  return structuredClone(value);
}

function rejects(body: unknown, message: RegExp, contentType?: string): void {
  assert.throws(
    () => parseManifest(bytes(body), contentType),
    (err: unknown) => {
      assert.ok(isStowageError(err, 'MANIFEST_INVALID'), String(err));
      assert.match(err.message, message);
      assert.doesNotMatch(err.message, /\n/);
      return true;
    },
  );
}

describe('media types', () => {
  it('lists the four v2 manifest types', () => {
    assert.deepEqual(
      [...MANIFEST_MEDIA_TYPES].sort(),
      [MediaType.DOCKER_MANIFEST_LIST, MediaType.DOCKER_MANIFEST, MediaType.OCI_INDEX, MediaType.OCI_MANIFEST].sort(),
    );
    assert.equal(isManifestMediaType(MediaType.OCI_CONFIG), false);
    assert.equal(isManifestMediaType(MediaType.DOCKER_SCHEMA1), false);
  });
  it('knows indexes', () => {
    assert.equal(isIndexMediaType(MediaType.OCI_INDEX), true);
    assert.equal(isIndexMediaType(MediaType.DOCKER_MANIFEST_LIST), true);
    assert.equal(isIndexMediaType(MediaType.OCI_MANIFEST), false);
  });
  it('strips parameters, lowercases and trims', () => {
    assert.equal(stripParameters('a/b; charset=x'), 'a/b');
    assert.equal(stripParameters('  Application/VND.OCI.Image.Manifest.v1+JSON ;q=1'), MediaType.OCI_MANIFEST);
    assert.equal(stripParameters('a/b'), 'a/b');
  });
});

describe('parseManifest: the four types', () => {
  it('parses an OCI image manifest', () => {
    const p = parseManifest(bytes(OCI_MANIFEST), MediaType.OCI_MANIFEST);
    assert.equal(p.kind, 'manifest');
    assert.equal(p.mediaType, MediaType.OCI_MANIFEST);
    assert.deepEqual(p.config, OCI_MANIFEST.config);
    assert.deepEqual(p.layers, OCI_MANIFEST.layers);
    assert.deepEqual(p.manifests, []);
    assert.deepEqual(p.subject, OCI_MANIFEST.subject);
    assert.deepEqual(p.annotations, OCI_MANIFEST.annotations);
    assert.equal('artifactType' in p, false);
  });
  it('parses an OCI image index, accepting unknown entry media types', () => {
    const p = parseManifest(bytes(OCI_INDEX), MediaType.OCI_INDEX);
    assert.equal(p.kind, 'index');
    assert.equal(p.mediaType, MediaType.OCI_INDEX);
    assert.deepEqual(p.manifests, OCI_INDEX.manifests);
    assert.deepEqual(p.layers, []);
    assert.equal(p.config, undefined);
  });
  it('parses a Docker image manifest', () => {
    const p = parseManifest(bytes(DOCKER_MANIFEST), MediaType.DOCKER_MANIFEST);
    assert.equal(p.kind, 'manifest');
    assert.equal(p.mediaType, MediaType.DOCKER_MANIFEST);
    assert.deepEqual(p.layers, DOCKER_MANIFEST.layers);
  });
  it('parses a Docker manifest list', () => {
    const p = parseManifest(bytes(DOCKER_LIST), MediaType.DOCKER_MANIFEST_LIST);
    assert.equal(p.kind, 'index');
    assert.deepEqual(p.manifests, DOCKER_LIST.manifests);
  });
  it('parses an artifact manifest with an empty config and no layers', () => {
    const p = parseManifest(bytes(ARTIFACT));
    assert.equal(p.artifactType, 'application/vnd.example.sbom.v1');
    assert.deepEqual(p.layers, []);
    assert.equal(p.config?.data, 'e30=');
  });
  it('ignores Content-Type parameters and unknown extra fields', () => {
    const body = { ...OCI_MANIFEST, extra: { nested: true }, layers: [{ ...OCI_MANIFEST.layers[0], futureField: 1 }] };
    const p = parseManifest(bytes(body), `${MediaType.OCI_MANIFEST}; charset=utf-8`);
    assert.equal(p.mediaType, MediaType.OCI_MANIFEST);
    assert.equal('futureField' in p.layers[0]!, false);
  });
  it('ignores a Content-Type that is not a manifest type', () => {
    assert.equal(parseManifest(bytes(OCI_INDEX), 'application/json').mediaType, MediaType.OCI_INDEX);
    assert.equal(parseManifest(bytes(DOCKER_MANIFEST), 'application/octet-stream').mediaType, MediaType.DOCKER_MANIFEST);
  });
});

describe('parseManifest: effective media type', () => {
  it('takes the Content-Type when the body has no mediaType', () => {
    const { mediaType: _, ...body } = clone(OCI_MANIFEST);
    assert.equal(parseManifest(bytes(body), MediaType.OCI_MANIFEST).mediaType, MediaType.OCI_MANIFEST);
  });
  it('infers an OCI index from a manifests array', () => {
    const { mediaType: _, ...body } = clone(OCI_INDEX);
    const p = parseManifest(bytes(body));
    assert.equal(p.mediaType, MediaType.OCI_INDEX);
    assert.equal(p.kind, 'index');
  });
  it('infers an OCI manifest from a config object', () => {
    const { mediaType: _, ...body } = clone(OCI_MANIFEST);
    assert.equal(parseManifest(bytes(body), 'application/json').mediaType, MediaType.OCI_MANIFEST);
  });
  it('refuses a body whose type cannot be inferred', () => {
    rejects({ schemaVersion: 2 }, /neither config nor manifests/);
    rejects({ schemaVersion: 2, config: OCI_MANIFEST.config, manifests: [] }, /both config and manifests/);
  });
  it('refuses a mismatch between body mediaType and a manifest Content-Type', () => {
    rejects(OCI_MANIFEST, /does not match Content-Type/, MediaType.OCI_INDEX);
    rejects(OCI_MANIFEST, /does not match Content-Type/, MediaType.DOCKER_MANIFEST);
  });
  it('refuses an unsupported media type', () => {
    rejects(
      { ...OCI_MANIFEST, mediaType: 'application/vnd.oci.artifact.manifest.v1+json' },
      /unsupported manifest media type "application\/vnd\.oci\.artifact/,
    );
    rejects({ ...OCI_MANIFEST, mediaType: 'text/plain' }, /unsupported manifest media type/);
  });
  it('requires the body mediaType on Docker types', () => {
    const { mediaType: _, ...body } = clone(DOCKER_MANIFEST);
    rejects(body, /must have a mediaType field/, MediaType.DOCKER_MANIFEST);
    const { mediaType: __, ...list } = clone(DOCKER_LIST);
    rejects(list, /must have a mediaType field/, MediaType.DOCKER_MANIFEST_LIST);
  });
  it('refuses fields of the other kind (image-spec GHSA-77vh-xpmg-72qh)', () => {
    rejects({ ...OCI_MANIFEST, manifests: [] }, /must not have a manifests field/);
    rejects({ ...OCI_INDEX, config: OCI_MANIFEST.config }, /must not have config or layers/);
    rejects({ ...OCI_INDEX, layers: [] }, /must not have config or layers/);
  });
});

describe('parseManifest: schema versions', () => {
  it('refuses schema 1 by version, body mediaType or Content-Type', () => {
    const schema1 = /Docker image manifest schema 1 is not supported.*schema 2 or OCI/;
    rejects({ schemaVersion: 1, name: 'x', tag: 'latest', fsLayers: [] }, schema1);
    rejects({ schemaVersion: 2, mediaType: MediaType.DOCKER_SCHEMA1 }, schema1);
    rejects(OCI_MANIFEST, schema1, MediaType.DOCKER_SCHEMA1_SIGNED);
    rejects(OCI_MANIFEST, schema1, `${MediaType.DOCKER_SCHEMA1}; charset=utf-8`);
  });
  it('requires schemaVersion 2', () => {
    const { schemaVersion: _, ...noVersion } = clone(OCI_MANIFEST);
    rejects(noVersion, /schemaVersion is required/);
    rejects({ ...OCI_MANIFEST, schemaVersion: 3 }, /schemaVersion must be 2, not 3/);
    rejects({ ...OCI_MANIFEST, schemaVersion: '2' }, /schemaVersion must be 2/);
  });
});

describe('parseManifest: rejections', () => {
  it('refuses bytes that are not a UTF-8 JSON object', () => {
    assert.throws(() => parseManifest(new Uint8Array([0xff, 0xfe, 0x7b, 0x7d])), /not valid UTF-8/);
    rejects('{"schemaVersion": 2,', /not valid JSON/);
    rejects('\ufeff{}', /not valid JSON/);
    rejects('[]', /must be a JSON object/);
    rejects('null', /must be a JSON object/);
    rejects('"x"', /must be a JSON object/);
    rejects('', /not valid JSON/);
  });
  it('refuses a non-string mediaType', () => {
    rejects({ ...OCI_MANIFEST, mediaType: 7 }, /mediaType must be a string/);
  });
  it('requires config and layers on an image manifest', () => {
    const { config: _, ...noConfig } = clone(OCI_MANIFEST);
    rejects(noConfig, /^config: is required$/);
    const { layers: __, ...noLayers } = clone(OCI_MANIFEST);
    rejects(noLayers, /^layers: is required$/);
    rejects({ ...OCI_MANIFEST, layers: {} }, /^layers: must be an array$/);
    rejects({ ...OCI_MANIFEST, config: 'x' }, /^config: must be an object$/);
  });
  it('requires a manifests array on an index', () => {
    rejects({ ...OCI_INDEX, manifests: 'x' }, /^manifests: must be an array$/);
    rejects({ ...OCI_INDEX, manifests: [{ mediaType: MediaType.OCI_MANIFEST, size: 1 }] }, /^manifests\[0\]\.digest: is required$/);
  });
  it('names the descriptor with a bad digest', () => {
    const body = clone(OCI_MANIFEST);
    body.layers.push({ mediaType: MediaType.OCI_LAYER_GZIP, digest: 'sha256:nothex', size: 1 });
    rejects(body, /^layers\[2\]\.digest: invalid sha256 digest/);
    rejects({ ...OCI_MANIFEST, config: { ...OCI_MANIFEST.config, digest: `md5:${'a'.repeat(32)}` } }, /^config\.digest: unsupported digest algorithm/);
    rejects({ ...OCI_MANIFEST, subject: { ...OCI_MANIFEST.subject, digest: 'sha256:\n' } }, /^subject\.digest: invalid digest/);
  });
  it('checks size', () => {
    const withSize = (size: unknown) => ({ ...OCI_MANIFEST, config: { ...OCI_MANIFEST.config, size } });
    rejects(withSize(-1), /^config\.size: must be a non-negative integer$/);
    rejects(withSize(1.5), /^config\.size: must be a non-negative integer$/);
    rejects(withSize(2 ** 53), /^config\.size: must be a non-negative integer$/);
    rejects(withSize('7'), /^config\.size: must be a number$/);
    rejects(withSize(null), /^config\.size: must be a number$/);
    assert.equal(parseManifest(bytes(withSize(0))).config?.size, 0);
  });
  it('checks descriptor media types against RFC 6838', () => {
    const withType = (mediaType: unknown) => ({ ...OCI_MANIFEST, config: { ...OCI_MANIFEST.config, mediaType } });
    rejects(withType('noslash'), /^config\.mediaType: invalid media type$/);
    rejects(withType('a/b; charset=utf-8'), /invalid media type/);
    rejects(withType(`a/${'b'.repeat(128)}`), /invalid media type/);
    rejects(withType(''), /invalid media type/);
    rejects(withType(undefined), /^config\.mediaType: is required$/);
    assert.ok(parseManifest(bytes(withType('application/vnd.example+type'))));
  });
  it('type-checks optional descriptor fields', () => {
    const layer = (extra: object) => ({ ...OCI_MANIFEST, layers: [{ ...OCI_MANIFEST.layers[0], ...extra }] });
    rejects(layer({ urls: 'https://x' }), /^layers\[0\]\.urls: must be an array$/);
    rejects(layer({ urls: [1] }), /^layers\[0\]\.urls\[0\]: must be a string$/);
    rejects(layer({ annotations: { a: 1 } }), /^layers\[0\]\.annotations\.a: must be a string$/);
    rejects(layer({ annotations: [] }), /^layers\[0\]\.annotations: must be an object$/);
    rejects(layer({ artifactType: 'bad' }), /^layers\[0\]\.artifactType: invalid media type$/);
    rejects(layer({ data: 5 }), /^layers\[0\]\.data: must be a string$/);
    rejects(layer({ platform: { os: 'linux' } }), /^layers\[0\]\.platform\.architecture: is required$/);
    rejects(layer({ platform: { os: 'linux', architecture: 'amd64', 'os.features': 'x' } }), /os\.features: must be an array$/);
  });
  it('type-checks manifest-level optional fields', () => {
    rejects({ ...OCI_MANIFEST, annotations: { k: null } }, /^annotations\.k: must be a string$/);
    rejects({ ...OCI_MANIFEST, artifactType: 'nope' }, /^artifactType: invalid media type$/);
    rejects({ ...OCI_MANIFEST, subject: 'sha256:x' }, /^subject: must be an object$/);
    rejects({ ...OCI_INDEX, subject: { mediaType: MediaType.OCI_MANIFEST, digest: D1 } }, /^subject\.size: is required$/);
  });
});

describe('referrerDescriptor', () => {
  const digest = D3;
  it('uses the manifest artifactType and copies annotations', () => {
    const d = referrerDescriptor(parseManifest(bytes(ARTIFACT)), digest, 321);
    assert.deepEqual(d, {
      mediaType: MediaType.OCI_MANIFEST,
      digest,
      size: 321,
      artifactType: 'application/vnd.example.sbom.v1',
      annotations: ARTIFACT.annotations,
    });
  });
  it('falls back to config.mediaType for an image manifest', () => {
    const { artifactType: _, ...body } = clone(ARTIFACT);
    const d = referrerDescriptor(parseManifest(bytes({ ...body, config: OCI_MANIFEST.config })), digest, 9);
    assert.equal(d.artifactType, MediaType.OCI_CONFIG);
  });
  it('omits artifactType for an index without one, and annotations when there are none', () => {
    const { annotations: _, ...body } = clone(OCI_INDEX);
    const d = referrerDescriptor(parseManifest(bytes({ ...body, subject: OCI_MANIFEST.subject })), digest, 9);
    assert.deepEqual(d, { mediaType: MediaType.OCI_INDEX, digest, size: 9 });
  });
  it('keeps an index artifactType', () => {
    const d = referrerDescriptor(parseManifest(bytes({ ...OCI_INDEX, artifactType: 'application/vnd.example.sig' })), digest, 9);
    assert.equal(d.artifactType, 'application/vnd.example.sig');
    assert.deepEqual(d.annotations, OCI_INDEX.annotations);
  });
  it('copies annotations rather than sharing them', () => {
    const parsed = parseManifest(bytes(ARTIFACT));
    const d = referrerDescriptor(parsed, digest, 1);
    d.annotations!.x = 'y';
    assert.equal(parsed.annotations?.x, undefined);
  });
});

describe('parseManifest: what Go cannot read (distribution, containers/image)', () => {
  const invalid = (text: string, message: RegExp): void => {
    assert.throws(
      () => parseManifest(new TextEncoder().encode(text)),
      (err: unknown) => isStowageError(err, 'MANIFEST_INVALID') && message.test((err as Error).message),
    );
  };
  const withSize = (path: 'config' | 'layer' | 'index' | 'subject', size: string): string => {
    const d = (s: string) => `{"mediaType":"${MediaType.OCI_LAYER_GZIP}","digest":"${D2}","size":${s}}`;
    if (path === 'index') return `{"schemaVersion":2,"mediaType":"${MediaType.OCI_INDEX}","manifests":[${d('1')},${d(size)}]}`;
    const config = path === 'config' ? d(size) : d('1');
    const subject = path === 'subject' ? `,"subject":${d(size)}` : '';
    return `{"schemaVersion":2,"mediaType":"${MediaType.OCI_MANIFEST}","config":${config},"layers":[${d(path === 'layer' ? size : '2')}]${subject}}`;
  };

  it('refuses a descriptor size that is not an integer token (7.8e1, 78.0, 1E2, -0), wherever the descriptor is', () => {
    const where = { config: /config\.size/, layer: /layers\[0\]\.size/, index: /manifests\[1\]\.size/, subject: /subject\.size/ } as const;
    for (const [path, message] of Object.entries(where) as Array<[keyof typeof where, RegExp]>) {
      for (const form of ['7.8e1', '78.0', '1E2', '-0', '0.0', '1e0']) {
        invalid(withSize(path, form), new RegExp(`${message.source}: must be a non-negative JSON integer, not ${form.replace('.', '\\.')}`));
      }
      for (const form of ['0', '78', '9007199254740991'])
        assert.equal(parseManifest(new TextEncoder().encode(withSize(path, form))).kind, path === 'index' ? 'index' : 'manifest');
    }
  });

  it('judges the size by the key JSON.parse reads, escaped or repeated', () => {
    invalid(withSize('config', '1').replace('"size":1}', '"\\u0073ize":7.8e1}'), /config\.size/);
    invalid(withSize('config', '1').replace('"size":1}', '"size":1,"size":1.0}'), /config\.size/);
    assert.ok(parseManifest(new TextEncoder().encode(withSize('config', '1.5').replace('"size":1.5}', '"size":1.5,"size":1}'))));
  });

  it('leaves numbers that are no descriptor size alone', () => {
    const text = withSize('config', '1').replace('"schemaVersion":2', '"schemaVersion":2,"x":{"size":1.5},"y":[{"z":{"size":2.5}}]');
    assert.equal(parseManifest(new TextEncoder().encode(text)).kind, 'manifest');
  });

  it('refuses JSON nested deeper than 10,000 levels, before parsing it; accepts 10,000', () => {
    const deep = (levels: number): string =>
      withSize('config', '1').replace('"schemaVersion":2', `"schemaVersion":2,"x":${'['.repeat(levels - 1)}${']'.repeat(levels - 1)}`);
    invalid(deep(10_001), /nested deeper than 10000 levels/);
    assert.equal(parseManifest(new TextEncoder().encode(deep(10_000))).kind, 'manifest');
    invalid(`${'['.repeat(2_000_000)}`, /nested deeper than 10000 levels/);
  });
});
