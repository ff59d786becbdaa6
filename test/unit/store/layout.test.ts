import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { Digest } from '../../../src/digest/digest.js';
import { chainIds, validateDiffIds } from '../../../src/oci/config.js';
import { layerChain, storedDiffIds } from '../../../src/store/chain.js';
import { StoreLayout } from '../../../src/store/layout.js';
import { imageBlobs } from '../../../src/store/records.js';
import { isStowageError } from '../../../src/errors/error.js';
import { fullDiskAt, isStaleLayerTemp, layerTempName, ownerGone } from '../../../src/store/staging.js';

const hex = (c: string): string => c.repeat(64);
const A = `sha256:${hex('a')}`;
const B = `sha256:${hex('b')}`;

describe('layer directories are named by validated digests only', () => {
  const layout = new StoreLayout('/store');

  it('a chain ID becomes its hex, under layers/', () => {
    assert.equal(layout.layer(A), join('/store', 'stowage', 'layers', hex('a')));
    assert.equal(layout.layer(Digest.parse(B)), join('/store', 'stowage', 'layers', hex('b')));
  });

  it('anything else is refused, never joined into a path', () => {
    for (const hostile of ['sha256:../../../../.config/autostart', '../../etc', 'sha256:', hex('a'), `sha256:${hex('a')}/..`, `sha256:${hex('A')}`, '']) {
      assert.throws(() => layout.layer(hostile), { code: 'DIGEST_INVALID' }, hostile);
    }
  });
});

describe('diff IDs', () => {
  it('must be one digest per layer', () => {
    assert.deepEqual(validateDiffIds([A, B], 2, 'cfg'), [A, B]);
    for (const [value, count, problem] of [
      [undefined, 1, /it is missing/],
      [{ 0: A }, 1, /an object, not an array/],
      [A, 1, /a string, not an array/],
      [[A], 2, /it lists 1/],
      [[A, 7], 2, /entry 2 is not a digest: 7/],
      [['sha256:../x'], 1, /entry 1 is not a digest: "sha256:\.\.\/x"/],
      [[`a\nb`], 1, /"a\\nb"/],
    ] as const) {
      assert.throws(
        () => validateDiffIds(value, count, 'sha256:cfg'),
        (err: { code: string; message: string }) => {
          assert.equal(err.code, 'MANIFEST_INVALID');
          assert.match(err.message, /^image config sha256:cfg: rootfs\.diff_ids must list one digest per layer/);
          assert.match(err.message, problem);
          assert.doesNotMatch(err.message, /\n/);
          return true;
        },
      );
    }
  });

  it('read back from images.json, invalid ones name nothing', () => {
    assert.deepEqual(storedDiffIds({ diffIds: [A], layers: [{}] })?.map(String), [A]);
    assert.equal(storedDiffIds({ diffIds: ['sha256:../../x'], layers: [{}] }), undefined);
    assert.equal(storedDiffIds({ diffIds: [A, B], layers: [{}] }), undefined);
    assert.equal(storedDiffIds({ layers: [{}] }), undefined);
    assert.equal(layerChain({ diffIds: ['sha256:../../x'], layers: ['l'] }), undefined);
  });

  it('chain IDs follow image-spec config.md', () => {
    const second = `sha256:${createHash('sha256').update(`${A} ${B}`).digest('hex')}`;
    assert.deepEqual(chainIds([Digest.parse(A), Digest.parse(B)]).map(String), [A, second]);
    assert.deepEqual(
      layerChain({ diffIds: [A, B], layers: ['l0', 'l1'] })?.map((s) => [s.layer, s.diffId.toString(), s.chainId.toString()]),
      [
        ['l0', A, A],
        ['l1', B, second],
      ],
    );
  });
});

describe('store bookkeeping', () => {
  it('foreign layers are not blobs the store must hold', () => {
    const image = {
      manifest: { digest: 'm' },
      config: { digest: 'c' },
      layers: [{ digest: 'f', urls: ['https://x/f'] }, { digest: 'l' }, { digest: 'e', urls: [] }],
    };
    assert.deepEqual(imageBlobs(image), ['m', 'c', 'l', 'e']);
  });

  it('unpack temporaries of live processes are not stale; dead or pid-less ones are', () => {
    assert.equal(ownerGone(process.pid), false);
    assert.equal(ownerGone(999_999_999), true);
    assert.equal(ownerGone(Number.NaN), true);
    assert.equal(isStaleLayerTemp(`.tmp-${process.pid}-0123456789ab`), false);
    assert.equal(isStaleLayerTemp('.tmp-999999999-0123456789ab'), true);
    assert.equal(isStaleLayerTemp('.tmp-0123456789ab'), true, "an older version's name");
    assert.equal(isStaleLayerTemp('.other'), false, 'not ours');
    assert.equal(isStaleLayerTemp(hex('a')), false);
    assert.match(layerTempName(), new RegExp(`^\\.tmp-${process.pid}-[0-9a-f]{12}$`));
    assert.equal(isStaleLayerTemp(layerTempName()), false, 'our own unpack is live');
  });

  it('a full disk or a used-up quota is one final error naming the file; other errors pass unchanged', () => {
    const errno = (code: string): NodeJS.ErrnoException => Object.assign(new Error(`${code}: write`), { code, syscall: 'write' });
    for (const [code, words] of [
      ['ENOSPC', 'no space left on device'],
      ['EDQUOT', 'disk quota exceeded'],
    ] as const) {
      const err = fullDiskAt(errno(code), '/store/stowage/staging/x');
      assert.ok(isStowageError(err), `${code} is a StowageError, so the copier does not try again`);
      assert.equal(err.message, `${words} writing /store/stowage/staging/x`);
    }
    const other = errno('EIO');
    assert.equal(fullDiskAt(other, '/x'), other);
  });
});
