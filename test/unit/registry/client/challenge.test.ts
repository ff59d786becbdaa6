/** WWW-Authenticate parsing (RFC 7235 §4.1; docker/auth/token.md's Bearer challenge). */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { parseWwwAuthenticate } from '../../../../src/registry/client/auth/challenge.js';

describe('parseWwwAuthenticate', () => {
  test("token.md's Bearer challenge", () => {
    const header = 'Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:samalba/my-app:pull,push"';
    assert.deepEqual(parseWwwAuthenticate(header), [
      {
        scheme: 'bearer',
        params: { realm: 'https://auth.docker.io/token', service: 'registry.docker.io', scope: 'repository:samalba/my-app:pull,push' },
      },
    ]);
  });

  test('several challenges in one header (RFC 7235 §4.1 example)', () => {
    const header = 'Newauth realm="apps", type=1, title="Login to \\"apps\\"", Basic realm="simple"';
    assert.deepEqual(parseWwwAuthenticate(header), [
      { scheme: 'newauth', params: { realm: 'apps', type: '1', title: 'Login to "apps"' } },
      { scheme: 'basic', params: { realm: 'simple' } },
    ]);
  });

  test('several headers', () => {
    const challenges = parseWwwAuthenticate(['Basic realm="a"', 'Bearer realm="https://x/token"']);
    assert.deepEqual(
      challenges.map((c) => c.scheme),
      ['basic', 'bearer'],
    );
  });

  test('scheme and parameter names are case-insensitive; values keep their case', () => {
    const [c] = parseWwwAuthenticate('BEARER Realm="https://X/Token", SERVICE=Reg');
    assert.deepEqual(c, { scheme: 'bearer', params: { realm: 'https://X/Token', service: 'Reg' } });
  });

  test('commas and escapes inside quoted strings', () => {
    const [c] = parseWwwAuthenticate('Bearer scope="repository:a:pull,push", error="a \\\\ b \\"c\\""');
    assert.equal(c?.params.scope, 'repository:a:pull,push');
    assert.equal(c?.params.error, 'a \\ b "c"');
  });

  test('whitespace around "=" (BWS) and between parameters', () => {
    const [c] = parseWwwAuthenticate('Bearer  realm = "r" ,  service =s ,scope="x"');
    assert.deepEqual(c?.params, { realm: 'r', service: 's', scope: 'x' });
  });

  test('unquoted URL values are taken whole', () => {
    const [c] = parseWwwAuthenticate('Bearer realm=https://auth.example.com/token?x=1,service=example');
    assert.deepEqual(c?.params, { realm: 'https://auth.example.com/token?x=1', service: 'example' });
  });

  test('token68', () => {
    assert.deepEqual(parseWwwAuthenticate('Negotiate YIIB+w==, Basic realm="r"'), [
      { scheme: 'negotiate', params: {}, token68: 'YIIB+w==' },
      { scheme: 'basic', params: { realm: 'r' } },
    ]);
  });

  test('a scheme without parameters', () => {
    assert.deepEqual(parseWwwAuthenticate('Basic, Bearer realm="r"'), [
      { scheme: 'basic', params: {} },
      { scheme: 'bearer', params: { realm: 'r' } },
    ]);
    assert.deepEqual(parseWwwAuthenticate('Basic'), [{ scheme: 'basic', params: {} }]);
  });

  test('repeated scope parameters join into a scope list (scope.md); other repeats keep the first', () => {
    const [c] = parseWwwAuthenticate('Bearer realm="a",scope="repository:x:pull",scope="repository:y:pull",realm="b"');
    assert.equal(c?.params.scope, 'repository:x:pull repository:y:pull');
    assert.equal(c?.params.realm, 'a');
  });

  test('empty and missing headers', () => {
    assert.deepEqual(parseWwwAuthenticate(undefined), []);
    assert.deepEqual(parseWwwAuthenticate(''), []);
    assert.deepEqual(parseWwwAuthenticate([]), []);
    assert.deepEqual(parseWwwAuthenticate(' , ,'), []);
  });

  test('an unterminated quoted string runs to the end', () => {
    const [c] = parseWwwAuthenticate('Bearer realm="https://x/token, service=y');
    assert.equal(c?.params.realm, 'https://x/token, service=y');
  });

  test('junk never throws and what parsed cleanly survives', () => {
    const junk = [
      '"',
      '=',
      '=,=',
      '@@@ Bearer realm="r"',
      'Bearer realm="r" garbage, Basic realm="b"',
      'Bearer ,,,=x',
      '\u0000\u0001',
      '"x" Basic',
      'Bearer realm=',
      'Bearer realm="a"b,service=s',
    ];
    for (const header of junk) assert.doesNotThrow(() => parseWwwAuthenticate(header), header);
    assert.deepEqual(
      parseWwwAuthenticate('Bearer realm="r" garbage, Basic realm="b"').map((c) => [c.scheme, c.params.realm]),
      [
        ['bearer', 'r'],
        ['basic', 'b'],
      ],
    );
    assert.deepEqual(parseWwwAuthenticate('Bearer realm="a"b,service=s')[0]?.params, { realm: 'a', service: 's' });
    const [afterJunk] = parseWwwAuthenticate('@@@, Bearer realm="r"');
    assert.deepEqual(afterJunk, { scheme: 'bearer', params: { realm: 'r' } });
  });

  test('random input never throws', () => {
    const alphabet = 'ab=," \\\t,Bearer realm';
    for (let n = 0; n < 2000; n++) {
      let s = '';
      const len = Math.floor(Math.random() * 40);
      for (let i = 0; i < len; i++) s += alphabet[Math.floor(Math.random() * alphabet.length)];
      assert.doesNotThrow(() => parseWwwAuthenticate(s), JSON.stringify(s));
    }
  });
});
