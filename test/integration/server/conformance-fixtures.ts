/**
 * The fixtures of the OCI distribution-spec conformance suite (conformance/setup.go and
 * image.go, see conformance.test.ts for the version), built the same way: one config and one
 * manifest per workflow slot, a gzip'd one-file layer, a 42-byte blob, a 42-byte blob cut in
 * two chunks, the empty JSON blob, and the referrers artifacts A/B (config- and layer-typed),
 * C (on a subject never pushed) and an index, each with one annotation.
 *
 * Serialised as Go's json.MarshalIndent(v, "", "\t") writes these structs: fields in struct
 * order, `omitempty` fields left out when empty, []byte as base64, and the descriptor's
 * `newUnspecifiedField` (no omitempty) always present, null when unset: the suite uses it to
 * check that registries keep fields they do not know.
 */
import { createHash, randomBytes, randomInt } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { packTar } from '../../support/tar-pack.js';

export const MT_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
export const MT_INDEX = 'application/vnd.oci.image.index.v1+json';
const MT_CONFIG = 'application/vnd.oci.image.config.v1+json';
const MT_LAYER = 'application/vnd.oci.image.layer.v1.tar+gzip';
const MT_EMPTY = 'application/vnd.oci.empty.v1+json';

export interface TestBlob {
  content: Buffer;
  contentLength: string;
  digest: string;
}

export interface GoDescriptor {
  mediaType: string;
  digest: string;
  size: number;
  data?: Buffer;
  newUnspecifiedField?: Buffer;
}

export const digestOf = (data: Buffer | string): string => `sha256:${createHash('sha256').update(data).digest('hex')}`;
const blob = (content: Buffer): TestBlob => ({ content, contentLength: String(content.length), digest: digestOf(content) });

/** image.go's descriptor, in its field order. */
function descriptor(d: GoDescriptor): Record<string, unknown> {
  return {
    mediaType: d.mediaType,
    digest: d.digest,
    size: d.size,
    ...(d.data && d.data.length > 0 ? { data: d.data.toString('base64') } : {}),
    newUnspecifiedField: d.newUnspecifiedField ? d.newUnspecifiedField.toString('base64') : null,
  };
}

interface GoManifest {
  mediaType?: string;
  artifactType?: string;
  config: GoDescriptor;
  layers: GoDescriptor[];
  subject?: GoDescriptor;
  annotations?: Record<string, string>;
}

/** image.go's manifest, MarshalIndent'ed with a tab. */
function manifest(m: GoManifest): Buffer {
  const value = {
    schemaVersion: 2,
    ...(m.mediaType ? { mediaType: m.mediaType } : {}),
    ...(m.artifactType ? { artifactType: m.artifactType } : {}),
    config: descriptor(m.config),
    layers: m.layers.map(descriptor),
    ...(m.subject ? { subject: descriptor(m.subject) } : {}),
    ...(m.annotations ? { annotations: m.annotations } : {}),
  };
  return Buffer.from(JSON.stringify(value, null, '\t'));
}

function index(m: { artifactType: string; manifests: GoDescriptor[]; subject: GoDescriptor; annotations: Record<string, string> }): Buffer {
  const value = {
    schemaVersion: 2,
    mediaType: MT_INDEX,
    artifactType: m.artifactType,
    manifests: m.manifests.map(descriptor),
    subject: descriptor(m.subject),
    annotations: m.annotations,
  };
  return Buffer.from(JSON.stringify(value, null, '\t'));
}

/** setup.go's randomString: crypto-random letters, digits and '-'. */
function randomString(n: number): string {
  const letters = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz-';
  return Array.from({ length: n }, () => letters[randomInt(letters.length)]).join('');
}

const asManifest = (content: Buffer): GoDescriptor => ({ mediaType: MT_MANIFEST, size: content.length, digest: digestOf(content) });

export interface ChunkedBlob {
  blob: TestBlob;
  chunk1: Buffer;
  chunk2: Buffer;
  chunk1Range: string;
  chunk2Range: string;
}

/** setup.go's setupChunkedBlob: the first chunk is size/2+1 bytes, the second the rest. */
export function chunkedBlob(size: number): ChunkedBlob {
  const content = randomBytes(size);
  const cut = Math.floor(size / 2) + 1;
  return {
    blob: blob(content),
    chunk1: content.subarray(0, cut),
    chunk2: content.subarray(cut),
    chunk1Range: `0-${cut - 1}`,
    chunk2Range: `${cut}-${size - 1}`,
  };
}

export async function conformanceFixtures() {
  // setup.go: `pull = 1 << iota ... numWorkflows` in one const block makes numWorkflows 16.
  const numWorkflows = 16;
  const configs: TestBlob[] = [];
  for (let i = 0; i < numWorkflows; i++) {
    // A new author per config, for a unique digest on every run (image.go's image, MarshalIndent'ed).
    const image = { author: randomString(16), architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [] } };
    configs.push(blob(Buffer.from(JSON.stringify(image, null, '\t'))));
  }
  // setup.go ships a base64 tar.gz of one text file; this builds one of the same kind.
  const layer = blob(gzipSync(await packTar([{ name: 'test.txt', data: 'you bothered to find out what was in here. Congratulations!\n' }])));
  const layers: GoDescriptor[] = [{ mediaType: MT_LAYER, size: layer.content.length, digest: layer.digest }];
  const configDescriptor = (c: TestBlob): GoDescriptor => ({
    mediaType: MT_CONFIG,
    digest: c.digest,
    size: c.content.length,
    data: c.content, // must be the config content
    newUnspecifiedField: Buffer.from('hello world'), // content doesn't matter
  });
  const manifests = configs.map((c) => blob(manifest({ mediaType: MT_MANIFEST, config: configDescriptor(c), layers })));
  const emptyLayerManifest = blob(manifest({ config: configDescriptor(configs[1]!), layers: [] }));

  const emptyJSON = Buffer.from('{}');
  const emptyJSONDescriptor: GoDescriptor = { mediaType: MT_EMPTY, size: emptyJSON.length, digest: digestOf(emptyJSON) };
  const refBlobA = blob(Buffer.from('NHL Peanut Butter on my NHL bagel'));
  const refBlobB = blob(Buffer.from('NBA Strawberry Jam on my NBA croissant'));
  const artifactTypeA = 'application/vnd.nhl.peanut.butter.bagel';
  const artifactTypeB = 'application/vnd.nba.strawberry.jam.croissant';
  const artifactTypeIndex = 'application/vnd.food.stand';
  const annotationKey = 'org.opencontainers.conformance.test';
  const subject4 = asManifest(manifests[4]!.content);
  const subject3 = asManifest(manifests[3]!.content);
  const refBlob = (b: TestBlob, mediaType: string): GoDescriptor => ({ mediaType, size: b.content.length, digest: b.digest });

  const refsManifestAConfigArtifact = blob(
    manifest({
      mediaType: MT_MANIFEST,
      config: refBlob(refBlobA, artifactTypeA),
      subject: subject4,
      layers: [emptyJSONDescriptor],
      annotations: { [annotationKey]: 'test config a' },
    }),
  );
  const refsManifestBConfigArtifact = blob(
    manifest({
      mediaType: MT_MANIFEST,
      config: refBlob(refBlobB, artifactTypeB),
      subject: subject4,
      layers: [emptyJSONDescriptor],
      annotations: { [annotationKey]: 'test config b' },
    }),
  );
  const refsManifestALayerArtifact = blob(
    manifest({
      mediaType: MT_MANIFEST,
      artifactType: artifactTypeA,
      config: emptyJSONDescriptor,
      subject: subject4,
      layers: [refBlob(refBlobA, artifactTypeA)],
      annotations: { [annotationKey]: 'test layer a' },
    }),
  );
  const refsManifestBLayerArtifact = blob(
    manifest({
      mediaType: MT_MANIFEST,
      artifactType: artifactTypeB,
      config: emptyJSONDescriptor,
      subject: subject4,
      layers: [refBlob(refBlobB, artifactTypeB)],
      annotations: { [annotationKey]: 'test layer b' },
    }),
  );
  // The same as B, on a subject that is never pushed; no annotations.
  const refsManifestCLayerArtifact = blob(
    manifest({
      mediaType: MT_MANIFEST,
      artifactType: artifactTypeB,
      config: emptyJSONDescriptor,
      subject: subject3,
      layers: [refBlob(refBlobB, artifactTypeB)],
    }),
  );
  const refsIndexArtifact = blob(
    index({
      artifactType: artifactTypeIndex,
      manifests: [asManifest(refsManifestAConfigArtifact.content), asManifest(refsManifestALayerArtifact.content)],
      subject: subject4,
      annotations: { [annotationKey]: 'test index' },
    }),
  );
  const annotationValues: Record<string, string> = {
    [refsManifestAConfigArtifact.digest]: 'test config a',
    [refsManifestBConfigArtifact.digest]: 'test config b',
    [refsManifestALayerArtifact.digest]: 'test layer a',
    [refsManifestBLayerArtifact.digest]: 'test layer b',
    [refsIndexArtifact.digest]: 'test index',
  };

  return {
    configs,
    manifests,
    layer,
    emptyLayerManifest,
    emptyJSON: blob(emptyJSON),
    testBlobA: blob(randomBytes(42)),
    refBlobA,
    refBlobB,
    artifactTypeA,
    annotationKey,
    annotationValues,
    refsManifestAConfigArtifact,
    refsManifestBConfigArtifact,
    refsManifestALayerArtifact,
    refsManifestBLayerArtifact,
    refsManifestCLayerArtifact,
    refsIndexArtifact,
    dummyDigest: digestOf('hello world'),
    nonexistentManifest: '.INVALID_MANIFEST_NAME',
    invalidManifestContent: Buffer.from('blablabla'),
    testTagName: 'tagtest0',
    emptyLayerTestTag: 'emptylayer',
  };
}

export type ConformanceFixtures = Awaited<ReturnType<typeof conformanceFixtures>>;
