import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { displayWidth, ellipsis, renderTable, tabwrite, truncateId } from '../../../src/cli/format/table.js';

describe('tabwrite (docker tabwriter: minwidth 10, padding 3)', () => {
  it('prints docker system df -v empty sections exactly (docker/cli disk_usage_test.go)', () => {
    assert.equal(
      renderTable(['REPOSITORY', 'TAG', 'IMAGE ID', 'CREATED', 'SIZE', 'SHARED SIZE', 'UNIQUE SIZE', 'CONTAINERS'], []),
      'REPOSITORY   TAG       IMAGE ID   CREATED   SIZE      SHARED SIZE   UNIQUE SIZE   CONTAINERS\n',
    );
    assert.equal(
      renderTable(['CONTAINER ID', 'IMAGE', 'COMMAND', 'LOCAL VOLUMES', 'SIZE', 'CREATED', 'STATUS', 'NAMES'], []),
      'CONTAINER ID   IMAGE     COMMAND   LOCAL VOLUMES   SIZE      CREATED   STATUS    NAMES\n',
    );
    assert.equal(renderTable(['VOLUME NAME', 'LINKS', 'SIZE'], []), 'VOLUME NAME   LINKS     SIZE\n');
  });

  it('prints docker system df exactly (docker/cli disk_usage_test.go)', () => {
    const rows = ['Images', 'Containers', 'Local Volumes', 'Build Cache'].map((t) => [t, '0', '0', '0B', '0B']);
    assert.equal(
      renderTable(['TYPE', 'TOTAL', 'ACTIVE', 'SIZE', 'RECLAIMABLE'], rows),
      [
        'TYPE            TOTAL     ACTIVE    SIZE      RECLAIMABLE',
        'Images          0         0         0B        0B',
        'Containers      0         0         0B        0B',
        'Local Volumes   0         0         0B        0B',
        'Build Cache     0         0         0B        0B',
        '',
      ].join('\n'),
    );
  });

  it('never pads the last cell of a line', () => {
    assert.equal(tabwrite('a\tb\nlonger-text\tc\n'), `${'a'.padEnd(14)}b\n${'longer-text'.padEnd(14)}c\n`);
    assert.equal(tabwrite('REPOSITORY\nimage\n'), 'REPOSITORY\nimage\n');
  });

  it('aligns only contiguous lines as one column (Go text/tabwriter package doc example)', () => {
    const out = tabwrite('aaaa\tbbb\td\naa\tb\tdd\na\t\naa\tcccc\teee\n', { minwidth: 0, padding: 1 });
    assert.equal(out, 'aaaa bbb d\naa   b   dd\na    \naa   cccc eee\n');
  });

  it('counts wide characters as two columns, as go-runewidth does', () => {
    assert.equal(displayWidth('日本語'), 6);
    assert.equal(tabwrite('日本\tx\nab\ty\n'), `日本${' '.repeat(6)}x\n${'ab'.padEnd(10)}y\n`);
  });
});

describe('ellipsis (docker/cli formatter.Ellipsis)', () => {
  it('cuts to max-1 columns and adds …', () => {
    assert.equal(ellipsis('RUN /bin/sh -c apk add --no-cache curl # buildkit', 45), 'RUN /bin/sh -c apk add --no-cache curl # bui…');
    assert.equal(ellipsis('short', 45), 'short');
    assert.equal(ellipsis('abcdef', 1), 'a');
    assert.equal(ellipsis('abcdef', 0), '');
    assert.equal(ellipsis('日本語日本語', 6), '日本…');
  });
});

describe('truncateId (stringid.TruncateID)', () => {
  it('drops the algorithm and keeps 12 characters', () => {
    assert.equal(truncateId(`sha256:${'ab'.repeat(32)}`), 'abababababab');
    assert.equal(truncateId('<missing>'), '<missing>');
  });
});
