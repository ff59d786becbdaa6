import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { renderInfo } from '../../../src/cli/info.js';
import type { StoreInfoValues as StoreInfo } from '../../../src/store/catalog.js';
import { describeCheck } from '../../../src/cli/system-check.js';

const digest = (c: string): string => `sha256:${c.repeat(64)}`;

describe('describeCheck', () => {
  it('a clean store', () => {
    assert.deepEqual(describeCheck({ corrupt: [], missing: [], unreferenced: [], staleStaging: [], repaired: [] }), {
      text: 'No problems found.\n',
      remaining: 0,
    });
  });

  it('lists each problem; all remain without --repair', () => {
    const report = {
      corrupt: [digest('a')],
      missing: [{ image: digest('m'), digest: digest('b') }],
      unreferenced: [digest('c')],
      staleStaging: ['/s/stowage/staging/1-x'],
      repaired: [],
    };
    const { text, remaining } = describeCheck(report);
    assert.equal(remaining, 4);
    assert.match(
      text,
      new RegExp(
        `^corrupt blob: ${digest('a')} .*\\nmissing blob: ${digest('b')} \\(needed by ${digest('m')}\\)\\nunreferenced blob: ${digest('c')}\\nstale staging area: /s/stowage/staging/1-x\\n$`,
      ),
    );
  });

  it('counts what the repair lines name as repaired', () => {
    const report = {
      corrupt: [digest('a')],
      missing: [{ image: digest('m'), digest: digest('b') }],
      unreferenced: [],
      staleStaging: ['/s/stowage/staging/1-x'],
      repaired: [`removed blob ${digest('a')}`, `removed image ${digest('m')} (a blob was missing or corrupt)`],
    };
    const { text, remaining } = describeCheck(report);
    assert.equal(remaining, 1);
    assert.match(text, /removed blob .*\nremoved image .*\n2 of 3 problems repaired\.\n$/);
  });
});

describe('renderInfo', () => {
  const data: StoreInfo = {
    StowageRootDir: '/data/stowage',
    Layout: 'OCI image layout',
    ImagesJson: '/data/stowage/stowage/images.json',
    UnpackedLayersDir: '/data/stowage/stowage/layers',
    Images: 2,
    Tags: 3,
    Blobs: 7,
    BlobBytes: 7797760,
    UnpackedLayers: 1,
    UnpackedBytes: 1234,
  };

  it('docker info style lines', () => {
    const text = renderInfo(data, undefined);
    assert.match(text, /^Stowage Root Dir: \/data\/stowage\n Layout: OCI image layout\n/);
    assert.match(text, /\nImages: 2\n Tags: 3\nBlobs: 7\n Size: 7.798MB\nUnpacked Layers: 1\n Size: 1.234kB\n$/);
  });

  it('--format json and templates', () => {
    assert.equal(JSON.parse(renderInfo(data, 'json')).BlobBytes, 7797760);
    assert.equal(renderInfo(data, '{{.Images}} {{.StowageRootDir}}'), '2 /data/stowage\n');
    assert.equal(renderInfo(data, '{{if gt .Images 1}}{{printf "%d images, %s" .Images (upper .Layout)}}{{end}}'), '2 images, OCI IMAGE LAYOUT\n');
    assert.equal(renderInfo(data, '{{printf "%T %T" .Images .BlobBytes}}'), 'int int64\n');
    assert.throws(() => renderInfo(data, '{{.Containers}}'), {
      message: 'template parsing error: template: :1:2: executing "" at <.Containers>: can\'t evaluate field Containers in type stowage.StoreInfo',
    });
  });
});
