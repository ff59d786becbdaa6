import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseFormat, renderRows } from '../../../src/cli/format/go-template.js';
import { HISTORY_HEADERS, HISTORY_TABLE, HISTORY_TABLE_NOT_HUMAN, historyRows } from '../../../src/cli/format/history-rows.js';
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
});

describe('stowage system df prints what docker system df prints', () => {
  const usage: DiskUsage = {
    images: DF_IMAGES as Array<{ image: ImageRecord; sharedSize: number; uniqueSize: number }>,
    totalBlobBytes: DF_TOTAL,
    reclaimable: DF_TOTAL + 555,
    unpackedLayers: { count: 3, bytes: 555 },
  };

  it('the table, plus our Unpacked row, without changing docker\'s columns', () => {
    assert.equal(summary(usage, undefined), `${docker('df default')}Unpacked        3         0         555B      555B (100%)\n`);
  });

  it('--format json', () => {
    const ours = '{"Active":"0","Reclaimable":"555B (100%)","Size":"555B","TotalCount":"3","Type":"Unpacked"}\n';
    assert.equal(summary(usage, 'json'), `${docker('df json')}${ours}`);
  });

  it('-v, plus a closing line on unpacked layers', () => {
    assert.equal(verbose(usage, undefined, NOW), `${docker('df verbose')}\nUnpacked layers usage: 555B in 3 layers\n`);
  });
});

describe('rmi and prune lines', () => {
  const digest = `sha256:${'1'.repeat(64)}`;

  it('rmi: Untagged:/Deleted: in order', () => {
    assert.equal(removeLines([{ untagged: 'alpine:latest' }, { deleted: digest }]), `Untagged: alpine:latest\nDeleted: ${digest}\n`);
  });

  it('image prune: docker\'s section, blank line and total', () => {
    assert.equal(
      deletedImagesSection([{ untagged: 'alpine:latest' }, { deleted: digest }]) + totalReclaimed(7797760),
      `Deleted Images:\nuntagged: alpine:latest\ndeleted: ${digest}\n\nTotal reclaimed space: 7.798MB\n`,
    );
    assert.equal(deletedImagesSection([]) + totalReclaimed(0), 'Total reclaimed space: 0B\n');
  });
});
