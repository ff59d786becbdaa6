import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { compileTemplate, goJson, goString, parseFormat, renderRows } from '../../../src/cli/format/go-template.js';

const DEFAULT = '{{.Repository}}\t{{.Tag}}';
const HEADERS = { Repository: 'REPOSITORY', Tag: 'TAG', ID: 'IMAGE ID' };
const ROWS = [
  { Repository: 'alpine', Tag: 'latest', ID: 'abc', Digest: '<none>' },
  { Repository: '<none>', Tag: '<none>', ID: 'def', Digest: '<none>' },
];

describe('parseFormat', () => {
  it('reads docker\'s --format forms', () => {
    assert.deepEqual(parseFormat(undefined, DEFAULT), { mode: 'table', template: DEFAULT });
    assert.deepEqual(parseFormat('', DEFAULT), { mode: 'table', template: DEFAULT });
    assert.deepEqual(parseFormat('table', DEFAULT), { mode: 'table', template: DEFAULT });
    assert.deepEqual(parseFormat('json', DEFAULT), { mode: 'json' });
    assert.deepEqual(parseFormat('table {{.ID}}\\t{{.Tag}}', DEFAULT), { mode: 'table', template: '{{.ID}}\t{{.Tag}}' });
    assert.deepEqual(parseFormat(' {{.ID}}\\n', DEFAULT), { mode: 'template', template: '{{.ID}}\n' });
  });
});

describe('renderRows', () => {
  it('a table: header from the same template, aligned by the tabwriter', () => {
    const out = renderRows(parseFormat('table {{.Repository}}\\t{{.ID}}', DEFAULT), ROWS, HEADERS);
    assert.equal(out, 'REPOSITORY   IMAGE ID\nalpine       abc\n<none>       def\n');
  });

  it('a field without a column title has a blank header', () => {
    const out = renderRows(parseFormat('table {{.Digest}}\\t{{.ID}}', DEFAULT), ROWS, { ...HEADERS, Digest: '' });
    assert.equal(out, `${''.padEnd(10)}IMAGE ID\n${'<none>'.padEnd(10)}abc\n${'<none>'.padEnd(10)}def\n`);
  });

  it('a table with no rows is its header', () => {
    assert.equal(renderRows(parseFormat('table {{.Repository}}', DEFAULT), [], HEADERS), 'REPOSITORY\n');
  });

  it('refuses a field the rows do not have, even with no rows', () => {
    assert.throws(() => renderRows(parseFormat('{{.Nope}}', DEFAULT), [], HEADERS), /unknown field \.Nope; fields: \.Repository, \.Tag, \.ID/);
    assert.throws(() => renderRows(parseFormat('table {{.Repository}}\\t{{.Nope}}', DEFAULT), ROWS, HEADERS), /unknown field \.Nope/);
  });

  it('a bare template: one line per row, no header', () => {
    assert.equal(renderRows(parseFormat('{{.Repository}}:{{.Tag}}', DEFAULT), ROWS, HEADERS), 'alpine:latest\n<none>:<none>\n');
    assert.equal(renderRows(parseFormat('{{.ID}}', DEFAULT), [], HEADERS), '');
  });

  it('json: one object per line, keys sorted, HTML characters escaped as docker\'s json.Marshal does', () => {
    const out = renderRows(parseFormat('json', DEFAULT), [{ Tag: 'latest', Digest: '<none>', A: 'x&y' }], {});
    assert.equal(out, '{"A":"x\\u0026y","Digest":"\\u003cnone\\u003e","Tag":"latest"}\n');
    assert.equal(renderRows(parseFormat('{{json .}}', DEFAULT), [{ Digest: '<none>' }], {}), '{"Digest":"\\u003cnone\\u003e"}\n');
  });

  it('{{json .Field}} does not escape (docker\'s json function turns HTML escaping off)', () => {
    assert.equal(renderRows(parseFormat('{{json .Digest}}', DEFAULT), [{ Digest: '<none>' }], { Digest: 'DIGEST' }), '"<none>"\n');
  });
});

describe('compileTemplate', () => {
  const data = { Id: 'sha256:1', Config: { Env: ['A=1', 'B=2'], Labels: { b: '2', a: '1' }, Cmd: null }, Size: 42, RepoTags: [] as string[], Ok: true };

  it('reads nested fields and prints values as Go does', () => {
    const render = (t: string): string => compileTemplate(t).render(data, { sortJsonKeys: false });
    assert.equal(render('{{.Id}}'), 'sha256:1');
    assert.equal(render('{{ .Config.Env }}'), '[A=1 B=2]');
    assert.equal(render('{{.Config.Labels}}'), 'map[a:1 b:2]');
    assert.equal(render('{{.Config.Cmd}}'), '<nil>');
    assert.equal(render('{{.Config.Missing}}'), '<no value>');
    assert.equal(render('{{.Size}} {{.RepoTags}} {{.Ok}}'), '42 [] true');
    assert.equal(render('{{json .Config.Labels}}'), '{"b":"2","a":"1"}');
    assert.equal(render('{{join .Config.Env ","}}'), 'A=1,B=2');
    assert.equal(render('{{upper .Id}}/{{lower "X"}}'), 'SHA256:1/x');
  });

  it('trims around {{- and -}}', () => {
    assert.equal(compileTemplate('a  {{- .Size -}}  b').render(data), 'a42b');
  });

  it('names the fields when one is unknown', () => {
    assert.throws(() => compileTemplate('{{.Nope}}').render({ ID: 'x', Tag: 'y' }), /unknown field \.Nope .*\.ID, \.Tag/);
  });

  it('refuses what it does not implement, saying what it takes', () => {
    assert.throws(() => compileTemplate('{{range .RepoTags}}{{.}}{{end}}'), /function "range" is not supported/);
    assert.throws(() => compileTemplate('{{.ID'), /unclosed action/);
    assert.throws(() => compileTemplate('{{}}'), /empty action/);
    assert.throws(() => compileTemplate('{{.a b}}'), /unsupported action/);
    assert.throws(() => compileTemplate('{{json}}'), /json takes 1 argument/);
  });
});

describe('goString and goJson', () => {
  it('print like fmt %v and encoding/json', () => {
    assert.equal(goString(['a', 1, null]), '[a 1 <nil>]');
    assert.equal(goString({ z: 1, a: [true] }), 'map[a:[true] z:1]');
    assert.equal(goJson({ b: 1, a: '\u2028' }, false), '{"a":"\\u2028","b":1}');
    assert.equal(goJson({ b: 1, a: 2 }, false, false), '{"b":1,"a":2}');
  });
});
