/**
 * The conformance suite's Content Discovery and Content Management workflows
 * (03_discovery_test.go, 04_management_test.go), registered into the describe blocks of
 * conformance.test.ts, which says which version this ports and how. Loading this module alone
 * registers nothing.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Res } from '../../support/http.js';
import { type SuiteClient, is2xx, oneOf, populate, putManifest } from './conformance-client.js';
import { MT_INDEX, type ConformanceFixtures } from './conformance-fixtures.js';

type Context = () => { c: SuiteClient; f: ConformanceFixtures };

interface Index {
  manifests?: Array<{ digest: string; annotations?: Record<string, string> }>;
}

const tagsOf = (res: Res): string[] => {
  try {
    return res.json<{ tags?: string[] | null }>().tags ?? [];
  } catch {
    return [];
  }
};

export function runContentDiscovery(context: Context): void {
  let numTags = 4;
  let tagList: string[] = [];

  describe('Setup', () => {
    it('Populate registry with test blob', () => populate(context().c, context().f.configs[2]!));
    it('Populate registry with test layer', () => populate(context().c, context().f.layer));
    it('Populate registry with test tags', async () => {
      const { c, f } = context();
      for (let i = 0; i < numTags; i++) {
        tagList.push(`test${i}`);
        is2xx(await putManifest(c, `test${i}`, f.manifests[2]!.content));
      }
      tagList = tagsOf(await c.do('GET', '/v2/<name>/tags/list'));
    });
    it('References setup', async () => {
      const { c, f } = context();
      assert.equal(f.emptyJSON.digest, 'sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a');
      await populate(c, f.emptyJSON);
      // the reference blob before the image manifest is pushed
      await populate(c, f.refBlobA);
      const pushRef = async (m: { digest: string; content: Buffer }, subject: string, type?: string): Promise<void> => {
        const res = await putManifest(c, m.digest, m.content, type);
        is2xx(res);
        assert.equal(res.header('oci-subject'), subject);
      };
      const subject4 = f.manifests[4]!.digest;
      await pushRef(f.refsManifestAConfigArtifact, subject4);
      await pushRef(f.refsManifestALayerArtifact, subject4);
      await pushRef(f.refsIndexArtifact, subject4, MT_INDEX);
      await populate(c, f.configs[4]!);
      await populate(c, f.layer);
      is2xx(await putManifest(c, f.testTagName, f.manifests[4]!.content));
      // the reference blob after the image manifest is pushed
      await populate(c, f.refBlobB);
      await pushRef(f.refsManifestBConfigArtifact, subject4);
      await pushRef(f.refsManifestBLayerArtifact, subject4);
      await pushRef(f.refsManifestCLayerArtifact, f.manifests[3]!.digest);
    });
  });

  describe('Test content discovery endpoints (listing tags)', () => {
    it('GET request to list tags should yield 200 response', async () => {
      const res = await context().c.do('GET', '/v2/<name>/tags/list');
      assert.equal(res.status, 200);
      tagList = tagsOf(res);
      numTags = tagList.length;
    });
    it('GET number of tags should be limitable by `n` query parameter', async () => {
      const numResults = Math.floor(numTags / 2);
      const res = await context().c.do('GET', '/v2/<name>/tags/list', { query: { n: String(numResults) } });
      assert.equal(res.status, 200);
      tagList = tagsOf(res);
      assert.equal(tagList.length, numResults);
    });
    it('GET start of tag is set by `last` query parameter', async () => {
      const { c } = context();
      const numResults = Math.floor(numTags / 2);
      tagList = tagsOf(await c.do('GET', '/v2/<name>/tags/list', { query: { n: String(numResults) } }));
      const lastTag = tagList[numResults - 1]!;
      const res = await c.do('GET', '/v2/<name>/tags/list', { query: { n: String(numResults), last: lastTag } });
      assert.equal(res.status, 200);
      // The suite checks the first page's list here, as ported; the second page, beyond the suite:
      assert.ok(tagList.length <= numResults);
      assert.ok(tagList.includes(lastTag));
      assert.ok(
        tagsOf(res).every((tag) => tag > lastTag),
        res.describe(),
      );
    });
  });

  describe('Test content discovery endpoints (listing references)', () => {
    const referrers = async (digest: string, query?: Record<string, string>): Promise<{ res: Res; index: Index }> => {
      const res = await context().c.do('GET', '/v2/<name>/referrers/<digest>', { reference: digest, ...(query ? { query } : {}) });
      assert.equal(res.status, 200);
      assert.equal(res.header('content-type'), MT_INDEX);
      return { res, index: res.json<Index>() };
    };
    const annotated = (index: Index): void => {
      const { f } = context();
      for (const m of index.manifests ?? []) {
        assert.equal(Object.keys(m.annotations ?? {}).length, 1);
        assert.equal(m.annotations?.[f.annotationKey], f.annotationValues[m.digest]);
      }
    };
    it('GET request to nonexistent blob should result in empty 200 response', async () => {
      const { index } = await referrers(context().f.dummyDigest);
      assert.equal(index.manifests?.length ?? 0, 0);
    });
    it('GET request to existing blob should yield 200', async () => {
      const { index } = await referrers(context().f.manifests[4]!.digest);
      assert.equal(index.manifests?.length, 5);
      assert.notEqual(index.manifests?.[0]?.digest, index.manifests?.[1]?.digest);
      annotated(index);
    });
    it('GET request to existing blob with filter should yield 200', async () => {
      const { f } = context();
      const { res, index } = await referrers(f.manifests[4]!.digest, { artifactType: f.artifactTypeA });
      // The suite accepts an unfiltered list (with a warning) when OCI-Filters-Applied is absent; Stowage filters.
      assert.equal(res.header('oci-filters-applied'), 'artifactType');
      assert.equal(index.manifests?.length, 2);
      annotated(index);
    });
    it('GET request to missing manifest should yield 200', async () => {
      const { f } = context();
      const { index } = await referrers(f.manifests[3]!.digest);
      assert.equal(index.manifests?.length, 1);
      assert.equal(index.manifests?.[0]?.digest, f.refsManifestCLayerArtifact.digest);
    });
  });

  describe('Teardown', () => {
    const lenient = (res: Res): void => oneOf(res, '2xx', 405, 404);
    it('Delete created manifest & associated tags', async () => {
      const { c, f } = context();
      const references = [
        f.refsIndexArtifact.digest,
        f.manifests[2]!.digest,
        f.manifests[4]!.digest,
        f.refsManifestAConfigArtifact.digest,
        f.refsManifestALayerArtifact.digest,
        f.testTagName,
        f.refsManifestBConfigArtifact.digest,
        f.refsManifestBLayerArtifact.digest,
        f.refsManifestCLayerArtifact.digest,
      ];
      for (const ref of references) lenient(await c.do('DELETE', '/v2/<name>/manifests/<digest>', { reference: ref }));
    });
    it('Delete config blob created in tests', async () => {
      const { c, f } = context();
      oneOf(await c.do('DELETE', '/v2/<name>/blobs/<digest>', { reference: f.configs[2]!.digest }), '2xx', 405);
    });
    it('Delete layer blob created in setup', async () => {
      const { c, f } = context();
      oneOf(await c.do('DELETE', '/v2/<name>/blobs/<digest>', { reference: f.layer.digest }), '2xx', 405);
    });
    it('References teardown', async () => {
      const { c, f } = context();
      for (const ref of [
        f.refsIndexArtifact,
        f.refsManifestAConfigArtifact,
        f.refsManifestALayerArtifact,
        f.manifests[4]!,
        f.refsManifestBConfigArtifact,
        f.refsManifestBLayerArtifact,
      ]) {
        lenient(await c.do('DELETE', '/v2/<name>/manifests/<reference>', { reference: ref.digest }));
      }
      for (const blob of [f.configs[4]!, f.refBlobA, f.refBlobB, f.emptyJSON]) {
        lenient(await c.do('DELETE', '/v2/<name>/blobs/<digest>', { reference: blob.digest }));
      }
    });
  });
}

export function runContentManagement(context: Context): void {
  const defaultTagName = 'tagtest0';
  let tagToDelete = '';
  let numTags = 0;
  let blobDeleteAllowed = true;

  describe('Setup', () => {
    it('Populate registry with test config blob', () => populate(context().c, context().f.configs[3]!));
    it('Populate registry with test layer', () => populate(context().c, context().f.layer));
    it('Populate registry with test tag', async () => {
      tagToDelete = defaultTagName;
      is2xx(await putManifest(context().c, tagToDelete, context().f.manifests[3]!.content));
    });
    it('Check how many tags there are before anything gets deleted', async () => {
      const res = await context().c.do('GET', '/v2/<name>/tags/list');
      assert.equal(res.status, 200);
      numTags = (res.json<{ tags?: string[] | null }>().tags ?? []).length;
    });
  });

  describe('Manifest delete', () => {
    it('DELETE request to manifest tag should return 202, unless tag deletion is disallowed (400/405)', async () => {
      const res = await context().c.do('DELETE', '/v2/<name>/manifests/<reference>', { reference: tagToDelete });
      oneOf(res, 400, 202, 405);
      if (res.status === 400) assert.equal(res.json<{ errors: Array<{ code: string }> }>().errors[0]?.code, 'UNSUPPORTED');
    });
    it('DELETE request to manifest (digest) should yield 202 response unless already deleted', async () => {
      oneOf(await context().c.do('DELETE', '/v2/<name>/manifests/<digest>', { reference: context().f.manifests[3]!.digest }), 202, 404);
    });
    it('GET request to deleted manifest URL should yield 404 response, unless delete is disallowed', async () => {
      oneOf(await context().c.do('GET', '/v2/<name>/manifests/<digest>', { reference: context().f.manifests[3]!.digest }), 404, 200);
    });
    it('GET request to tags list should reflect manifest deletion', async () => {
      const res = await context().c.do('GET', '/v2/<name>/tags/list');
      assert.equal(res.status, 200);
      assert.ok((res.json<{ tags?: string[] | null }>().tags ?? []).length < numTags, res.describe());
    });
  });

  describe('Blob delete', () => {
    it('DELETE request to blob URL should yield 202 response', async () => {
      const { c, f } = context();
      oneOf(await c.do('DELETE', '/v2/<name>/blobs/<digest>', { reference: f.configs[3]!.digest }), 202, 404, 405);
      const layer = await c.do('DELETE', '/v2/<name>/blobs/<digest>', { reference: f.layer.digest });
      oneOf(layer, 202, 404, 405);
      if (layer.status === 405) blobDeleteAllowed = false;
    });
    it('GET request to deleted blob URL should yield 404 response', async () => {
      // RunOnlyIf(blobDeleteAllowed): Stowage serves with deletes on, so this always runs here.
      assert.equal(blobDeleteAllowed, true);
      assert.equal((await context().c.do('GET', '/v2/<name>/blobs/<digest>', { reference: context().f.configs[3]!.digest })).status, 404);
    });
  });
}
