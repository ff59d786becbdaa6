import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { goJson, parseFormat, renderDiskUsage, renderInspect, renderRows } from '../../../src/cli/format/go-template.js';
import { IMAGE_HEADERS } from '../../../src/cli/format/image-rows.js';
import { IMAGE_INSPECT_TYPE } from '../../../src/cli/format/inspect-type.js';
import { renderTags } from '../../../src/cli/tags.js';
import { CASES, INSPECT } from './template-golden.js';

const DEFAULT = '{{.Repository}}\t{{.Tag}}';
const HEADERS = { Repository: 'REPOSITORY', Tag: 'TAG', ID: 'IMAGE ID' };
const ROWS = [
  { Repository: 'alpine', Tag: 'latest', ID: 'abc', Digest: '<none>' },
  { Repository: '<none>', Tag: '<none>', ID: 'def', Digest: '<none>' },
];

/** docker images' rows for probe/one:1 and :2 (template-golden.ts's image), minus the times. */
const PROBE_ROWS = ['1', '2'].map((tag) => ({
  Containers: 'N/A',
  CreatedAt: '2026-12-01 21:36:24 +0000 UTC',
  CreatedSince: '37 minutes ago',
  Digest: '<none>',
  ID: 'f6ff25a9648e',
  Repository: 'probe/one',
  SharedSize: 'N/A',
  Size: '1.98MB',
  Tag: tag,
  UniqueSize: 'N/A',
  VirtualSize: '1.982MB',
}));
const images = (format: string, rows: Array<Record<string, string>> = PROBE_ROWS): string =>
  renderRows(parseFormat(format, DEFAULT), rows, IMAGE_HEADERS, '*formatter.imageContext');

describe('parseFormat', () => {
  it("reads docker's --format forms", () => {
    assert.deepEqual(parseFormat(undefined, DEFAULT), { mode: 'table', template: DEFAULT });
    assert.deepEqual(parseFormat('', DEFAULT), { mode: 'table', template: DEFAULT });
    assert.deepEqual(parseFormat('table', DEFAULT), { mode: 'table', template: DEFAULT });
    assert.deepEqual(parseFormat('json', DEFAULT), { mode: 'json' });
    assert.deepEqual(parseFormat('table {{.ID}}\\t{{.Tag}}', DEFAULT), { mode: 'table', template: '{{.ID}}\t{{.Tag}}' });
    assert.deepEqual(parseFormat(' {{.ID}}\\n', DEFAULT), { mode: 'template', template: '{{.ID}}\n' });
  });
});

describe('renderRows: docker images --format, byte for byte (recorded from docker 28.2.2)', () => {
  it("a table: the header is the template over the column names, with docker's header functions", () => {
    assert.equal(
      images('table {{.Repository}}\\t{{len .Tag}}\\t{{upper .ID}}\\t{{printf "%.3s" .Tag}}\\t{{pad .Tag 1 1}}|'),
      'REPOSITORY   3         IMAGE ID       TAG        TAG |\nprobe/one    1         F6FF25A9648E   1          1 |\nprobe/one    1         F6FF25A9648E   2          2 |\n',
    );
    assert.equal(
      images('table {{title .Repository}}\\t{{.Containers}} {{.SharedSize}} {{.UniqueSize}} {{.VirtualSize}}'),
      'REPOSITORY   CONTAINERS SHARED SIZE UNIQUE SIZE SIZE\nProbe/One    N/A N/A N/A 1.982MB\nProbe/One    N/A N/A N/A 1.982MB\n',
    );
    assert.equal(
      images('table {{.ID}}\\t{{if .Digest}}{{.Digest}}{{end}}\\t{{.Size}}'),
      'IMAGE ID       DIGEST    SIZE\nf6ff25a9648e   <none>    1.98MB\nf6ff25a9648e   <none>    1.98MB\n',
    );
  });

  it('a header whose template fails is cut short there, as docker ignores that error', () => {
    const json = (tag: string): string =>
      `{"Containers":"N/A","CreatedAt":"2026-12-01 21:36:24 +0000 UTC","CreatedSince":"37 minutes ago","Digest":"\\u003cnone\\u003e","ID":"f6ff25a9648e","Repository":"probe/one","SharedSize":"N/A","Size":"1.98MB","Tag":"${tag}","UniqueSize":"N/A","VirtualSize":"1.982MB"}`;
    assert.equal(images('table {{.Repository}}:{{.Tag}}\\t{{json .}}'), `REPOSITORY:TAG   \nprobe/one:1      ${json('1')}\nprobe/one:2      ${json('2')}\n`);
  });

  it('bare templates: one line per row, \\t and \\n rewritten, Go functions and actions', () => {
    assert.equal(images('{{if eq .Tag "latest"}}{{.Repository}}{{else}}{{.Repository}}:{{.Tag}}{{end}}'), 'probe/one:1\nprobe/one:2\n');
    assert.equal(images('{{.Repository}}\\t{{.Tag}}\\n'), 'probe/one\t1\n\nprobe/one\t2\n\n');
    assert.equal(images('{{.Repository | printf "%-12s"}}|{{index .ID 0}}'), 'probe/one   |102\nprobe/one   |102\n');
  });

  it("an unknown field fails on the first row with Go's message naming docker's row type", () => {
    assert.throws(() => images('table {{.Foo}}'), {
      message: 'template parsing error: template: :1:2: executing "" at <.Foo>: can\'t evaluate field Foo in type *formatter.imageContext',
    });
  });

  it('an empty list: a table is its header (<no value> for an unknown name), json and templates print nothing', () => {
    assert.equal(images('table {{.Foo}}', []), '<no value>\n');
    assert.equal(renderRows(parseFormat('table', 'REPOSITORY\tTAG'), [], HEADERS), 'REPOSITORY   TAG\n');
    assert.equal(images('json', []), '');
    assert.equal(images('{{.Foo}}', []), '');
  });

  it("json: one object per line, keys sorted, HTML characters escaped as docker's json.Marshal does", () => {
    const out = renderRows(parseFormat('json', DEFAULT), [{ Tag: 'latest', Digest: '<none>', A: 'x&y' }], { A: '', Digest: '', Tag: '' });
    assert.equal(out, '{"A":"x\\u0026y","Digest":"\\u003cnone\\u003e","Tag":"latest"}\n');
    assert.equal(renderRows(parseFormat('{{json .}}', DEFAULT), [{ Digest: '<none>' }], { Digest: '' }), '{"Digest":"\\u003cnone\\u003e"}\n');
    assert.equal(renderRows(parseFormat('{{json .Digest}}', DEFAULT), ROWS, { ...HEADERS, Digest: 'DIGEST' }), '"<none>"\n"<none>"\n');
  });
});

describe("templates of text and fields only (the executor's shortcut)", () => {
  // `{{""}}` is an action the shortcut does not take: the same template through the executor.
  const both = (format: string, rows: Array<Record<string, unknown>>): [string, string] => [
    renderRows(parseFormat(format, DEFAULT), rows as Array<Record<string, string>>, IMAGE_HEADERS, '*formatter.imageContext'),
    renderRows(parseFormat(`${format}{{""}}`, DEFAULT), rows as Array<Record<string, string>>, IMAGE_HEADERS, '*formatter.imageContext'),
  ];

  it('print what the executor prints, for strings, empty and absent fields, and other values', () => {
    const rows = [
      { ...PROBE_ROWS[0], Tag: '' },
      { ...PROBE_ROWS[1], Size: undefined },
      { ...PROBE_ROWS[1], Size: 12 },
      { ...PROBE_ROWS[1], Size: ['a'] },
    ];
    for (const format of ['table {{.Repository}}\\t{{.Tag}}', 'table {{.Repository}}\\t{{.Size}}', '{{.ID}} {{.Size}}:{{.Tag}}']) {
      const [fast, full] = both(format, rows);
      assert.equal(fast, full, format);
    }
    assert.equal(both('{{.Size}}|', rows)[0], '1.98MB|\n|\n12|\na|\n');
  });

  it("an unknown field still fails with Go's message", () => {
    assert.throws(() => images('{{.Repository}} {{.Foo}}'), { message: /can't evaluate field Foo in type \*formatter.imageContext/ });
  });
});

describe('renderInspect: docker image inspect --format, byte for byte (template-golden.ts)', () => {
  for (const [template, stdout, stderr] of CASES) {
    it(JSON.stringify(template), () => {
      let out = '';
      let err = '';
      try {
        const result = renderInspect([INSPECT], template, IMAGE_INSPECT_TYPE);
        out = result.text;
        err = result.errors.map((e) => `${e.message}\n`).join('');
      } catch (e) {
        // A template that does not parse fails before anything is printed.
        err = `${(e as Error).message}\n`;
      }
      assert.equal(out, stdout);
      assert.equal(err, stderr);
    });
  }

  it('nothing found: [] with no format or json, an empty line with a template', () => {
    assert.equal(renderInspect([], undefined, IMAGE_INSPECT_TYPE).text, '[]\n');
    assert.equal(renderInspect([], 'json', IMAGE_INSPECT_TYPE).text, '[]\n');
    assert.equal(renderInspect([], '{{.Id}}', IMAGE_INSPECT_TYPE).text, '\n');
  });

  it('one object per line; one whose template fails is reported and the others printed', () => {
    const other = { ...INSPECT, RepoTags: [] };
    const result = renderInspect([INSPECT, other], '{{index .RepoTags 0}}', IMAGE_INSPECT_TYPE);
    assert.equal(result.text, 'other/two:latest\n');
    assert.deepEqual(
      result.errors.map((e) => e.message),
      ['template parsing error: template: :1:2: executing "" at <index .RepoTags 0>: error calling index: reflect: slice index out of range'],
    );
  });
});

describe('what the engine does not do is an error that says so', () => {
  it('time.Time methods beyond the numeric ones, and complex numbers', () => {
    const result = renderInspect([INSPECT], '{{.Metadata.LastTagTime.Format "2006"}}', IMAGE_INSPECT_TYPE);
    assert.equal(result.text, '\n');
    assert.deepEqual(
      result.errors.map((e) => e.message),
      ['template parsing error: template: :1:11: executing "" at <.Metadata.LastTagTime.Format>: time.Time method Format is not supported'],
    );
    assert.throws(() => renderInspect([INSPECT], '{{1i}}', IMAGE_INSPECT_TYPE), {
      message: 'template parsing error: template: :1: complex number 1i is not supported',
    });
  });
});

describe('renderTags', () => {
  it("text, skopeo's json, and docker's table and templates, one row per tag", () => {
    assert.equal(renderTags('h:5000/a', ['1', '2'], undefined), '1\n2\n');
    assert.deepEqual(JSON.parse(renderTags('h:5000/a', ['1'], 'json')), { Repository: 'h:5000/a', Tags: ['1'] });
    assert.equal(renderTags('h:5000/a', ['1', 'latest'], 'table'), 'REPOSITORY   TAG\nh:5000/a     1\nh:5000/a     latest\n');
    assert.equal(renderTags('h:5000/a', ['1', 'latest'], '{{if ne .Tag "latest"}}{{.Repository}}:{{.Tag}}{{end}}'), 'h:5000/a:1\n\n');
    assert.equal(renderTags('h:5000/a', [], 'table {{.Tag}}'), 'TAG\n');
  });
});

describe('renderDiskUsage: system df -v with a template', () => {
  it('runs once over {Images, Containers, Volumes, BuildCache}, with no newline after, as docker', () => {
    const sections = { Images: [{ Repository: 'a<b', Tag: '1', ID: 'x' }], Containers: [], Volumes: [{ Name: 'v', Links: '0', Size: '0B' }], BuildCache: [] };
    assert.equal(
      renderDiskUsage('json', sections),
      '{"Images":[{"ID":"x","Repository":"a\\u003cb","Tag":"1"}],"Containers":[],"Volumes":[{"Links":"0","Name":"v","Size":"0B"}],"BuildCache":[]}',
    );
    assert.equal(renderDiskUsage('{{range .Images}}{{.Repository}}:{{.Tag}} {{end}}{{len .Volumes}}', sections), 'a<b:1 1');
    assert.throws(() => renderDiskUsage('{{range .Images}}{{.Nope}}{{end}}', sections), /can't evaluate field Nope in type \*formatter\.imageContext/);
  });
});

describe('goJson', () => {
  it('writes JSON as encoding/json does', () => {
    assert.equal(goJson({ b: 1, a: '\u2028' }, false), '{"a":"\\u2028","b":1}');
    assert.equal(goJson({ b: 1, a: 2 }, false, false), '{"b":1,"a":2}');
    assert.equal(goJson({ a: '<&>' }, true), '{"a":"\\u003c\\u0026\\u003e"}');
  });
});
