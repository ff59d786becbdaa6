import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseFormat, renderRows } from '../../../src/cli/format/go-template.js';
import { HISTORY_HEADERS, HISTORY_TABLE, HISTORY_TABLE_NOT_HUMAN, historyRows } from '../../../src/cli/format/history-rows.js';
import { verbose as dockerVerbose } from '../../../src/cli/system-df.js';
import { renderImages } from '../../../src/cli/images.js';
import { deletedImagesSection, totalReclaimed } from '../../../src/cli/prune.js';
import { removeLines } from '../../../src/cli/rmi.js';
import { summary, verbose } from '../../../src/cli/system-df.js';
import type { DiskUsage, ImageRecord } from '../../../src/store/types.js';
import { DF_IMAGES, DF_TOTAL, DOCKER, HISTORY, HISTORY_IMAGE, IMAGES, NOW } from './docker-golden.js';

/** Byte-for-byte against what the docker CLI printed for the same records (docker-golden.ts). */
function docker(name: string): string {
  const recorded = DOCKER[name];
  assert.ok(recorded, `no recording named ${name}`);
  return recorded.stdout;
}

describe('stowage images prints what docker images prints', () => {
  const cases: Array<[string, Record<string, unknown>]> = [
    ['images default', {}],
    ['images digests', { digests: true }],
    ['images noTrunc', { trunc: false }],
    ['images json', { format: 'json' }],
    ['images repoTag', { format: 'table {{.Repository}}\\t{{.Tag}}' }],
    ['images custom', { format: 'table {{.ID}}\\t{{.CreatedAt}}\\t{{.Size}}', digests: true }],
    ['images plain', { format: '{{.Repository}}:{{.Tag}} {{.ID}} {{.Containers}} {{.SharedSize}} {{.UniqueSize}} {{.VirtualSize}}' }],
  ];
  for (const [name, options] of cases) {
    it(`${name}: docker images ${DOCKER[name]?.args.join(' ')}`, () => {
      assert.equal(renderImages(IMAGES, options, NOW), docker(name));
    });
  }

  it("{{.ContentSize}}: the blobs as stored, beside docker's SIZE; {{json .}} stays docker's", () => {
    const withContent = IMAGES.slice(0, 1).map((image) => ({ ...image, contentSize: 2_800_000 }));
    assert.equal(
      renderImages(withContent, { format: 'table {{.Tag}}\t{{.Size}}\t{{.ContentSize}}' }, NOW),
      'TAG       SIZE      CONTENT SIZE\nlatest    7.8MB     2.8MB\n3.19      7.8MB     2.8MB\n',
    );
    assert.equal(renderImages(withContent, { format: 'json' }, NOW), renderImages(IMAGES.slice(0, 1), { format: 'json' }, NOW));
  });

  it('-q prints each ID once (docker repeats an ID for each of its tags)', () => {
    assert.equal(renderImages(IMAGES, { quiet: true }, NOW), ['1', '2', '3', '4', '5', '6', '7'].map((c) => `${c.repeat(12)}\n`).join(''));
  });
});

describe('stowage history prints what docker history prints', () => {
  const render = (options: { truncate?: boolean; human?: boolean }, format: string | undefined, table: string): string =>
    renderRows(
      parseFormat(format, table),
      historyRows(HISTORY_IMAGE, HISTORY, { truncate: options.truncate ?? true, human: options.human ?? true, now: NOW }),
      HISTORY_HEADERS,
    );

  it('default table', () => assert.equal(render({}, undefined, HISTORY_TABLE), docker('history default')));
  it('--no-trunc', () => assert.equal(render({ truncate: false }, undefined, HISTORY_TABLE), docker('history noTrunc')));
  it('--human=false', () => assert.equal(render({ human: false }, undefined, HISTORY_TABLE_NOT_HUMAN), docker('history notHuman')));
  it('--format json', () => assert.equal(render({}, 'json', HISTORY_TABLE), docker('history json')));
  it('SIZE is the unpacked layer, {{.ContentSize}} its blob as stored', () => {
    const image = { ...HISTORY_IMAGE, layerSizes: [9_000_000, 2048, 1_000_000] };
    assert.equal(render({ human: false }, '{{.Size}} {{.ContentSize}}', ''), '999999 999999\n0 0\n1024 1024\n0 0\n3623807 3623807\n');
    const rows = historyRows(image, HISTORY, { truncate: true, human: true, now: NOW });
    assert.deepEqual(
      rows.map((r) => `${r.Size}/${(r as Record<string, string>).ContentSize}`),
      ['1MB/1e+03kB', '0B/0B', '2.05kB/1.02kB', '0B/0B', '9MB/3.62MB'],
    );
  });
});

describe('stowage system df prints what docker system df prints', () => {
  const usage: DiskUsage = {
    images: DF_IMAGES.map((u) => ({ ...u, image: { ...u.image, layerSizes: [], contentSize: 4321 } as ImageRecord })),
    // docker's Images SIZE is its layers' unpacked total; the blobs as stored are our Content row.
    layersSize: DF_TOTAL,
    totalBlobBytes: 4321,
    blobCount: 7,
    reclaimable: 4321 + 555,
    unpackedLayers: { count: 3, bytes: 555 },
  };

  it("the table, plus our Unpacked and Content rows, without changing docker's columns", () => {
    const ours = 'Unpacked        3         0         555B      555B (100%)\nContent         7         0         4.321kB   4.321kB (100%)\n';
    assert.equal(summary(usage, undefined), `${docker('df default')}${ours}`);
  });

  it('--format json', () => {
    const ours =
      '{"Active":"0","Reclaimable":"555B (100%)","Size":"555B","TotalCount":"3","Type":"Unpacked"}\n' +
      '{"Active":"0","Reclaimable":"4.321kB (100%)","Size":"4.321kB","TotalCount":"7","Type":"Content"}\n';
    assert.equal(summary(usage, 'json'), `${docker('df json')}${ours}`);
  });

  it('-v, plus closing lines on unpacked layers and content', () => {
    assert.equal(verbose(usage, undefined, NOW), `${docker('df verbose')}\nUnpacked layers usage: 555B in 3 layers\nContent usage: 4.321kB in 7 blobs\n`);
  });
});

describe('rmi and prune lines', () => {
  const digest = `sha256:${'1'.repeat(64)}`;

  it('rmi: Untagged:/Deleted: in order', () => {
    assert.equal(removeLines([{ untagged: 'alpine:latest' }, { deleted: digest }]), `Untagged: alpine:latest\nDeleted: ${digest}\n`);
  });

  it("image prune: docker's section, blank line and total", () => {
    assert.equal(
      deletedImagesSection([{ untagged: 'alpine:latest' }, { deleted: digest }]) + totalReclaimed(7797760),
      `Deleted Images:\nuntagged: alpine:latest\ndeleted: ${digest}\n\nTotal reclaimed space: 7.798MB\n`,
    );
    assert.equal(deletedImagesSection([]) + totalReclaimed(0), 'Total reclaimed space: 0B\n');
  });
});

describe('stowage docker df -v: the COMMAND column as docker quotes it', () => {
  it('strconv.Quote, not JSON: control characters are \\a, \\x1b, never \\u0007', () => {
    const container = {
      id: 'c'.repeat(64),
      image: undefined,
      name: 'c1',
      mountId: undefined,
      initId: undefined,
      parent: undefined,
      directory: undefined,
      paths: [],
      command: 'sh -c \x07\x1b',
    };
    const usage = { images: [], layersSize: 0, containers: [{ container, sizeRw: 0, volumes: 0 }], volumes: [] };
    assert.equal(dockerVerbose(usage, '{{range .Containers}}{{.Command}}{{end}}', NOW), '"sh -c \\a\\x1b"');
  });
});
