/**
 * Hostile-input vocabulary shared by the hardening property tests (fast-check arbitraries are
 * built from these pools) and the server fuzzer (which draws from them with its own PRNG).
 * Path segments are given in wire form: what a client puts on the request line.
 */

export const HEX64 = '0123456789abcdef'.repeat(4);
export const HEX128 = HEX64 + HEX64;
export const SHA256 = `sha256:${HEX64}`;
export const SHA512 = `sha512:${HEX128}`;

/** Digests that must all be refused: wrong algorithm, wrong case, wrong length, injection. */
export const BAD_DIGESTS = [
  'sha256:',
  `sha256:${HEX64.slice(1)}`,
  `sha256:${HEX64}0`,
  `sha256:${HEX64.toUpperCase()}`,
  `SHA256:${HEX64}`,
  `Sha256:${HEX64}`,
  `sha256:${'g'.repeat(64)}`,
  `sha256:${'z'.repeat(64)}`,
  `sha256+b64:${'A'.repeat(43)}=`,
  `sha256+b64:${HEX64}`,
  `sha256.x:${HEX64}`,
  `md5:${'0'.repeat(32)}`,
  `sha1:${'0'.repeat(40)}`,
  `sha384:${'0'.repeat(96)}`,
  `blake3:${HEX64}`,
  `sha512:${HEX64}`,
  `sha256:${HEX128}`,
  'sha256:../../x',
  'sha256:..%2F..%2Fx',
  `sha256:${HEX64}/../../x`,
  `sha256:${HEX64}\u0000`,
  `sha256:${HEX64}\n`,
  ` sha256:${HEX64}`,
  `sha256 :${HEX64}`,
  `sha256::${HEX64}`,
  `:${HEX64}`,
  HEX64,
];

/** Path segments (wire form) a hostile client might send, alone or in any combination. */
export const SEGMENT_POOL: readonly string[] = [
  // Traversal and empty segments, plain and encoded.
  '',
  '.',
  '..',
  '...',
  '%2e',
  '%2e%2e',
  '%2E%2E',
  '.%2e',
  '%2e.',
  '%252e%252e',
  '..%00',
  '..%2F',
  '%2F',
  '%2f',
  '%2F..',
  '%5C',
  '%5c..',
  '..%5C..',
  '%00',
  '%0a',
  '%0d%0a',
  '%09',
  '%20',
  '%7f',
  '%ff',
  '%c0%ae%c0%ae',
  '%',
  '%z',
  '%2',
  '%%32%65',
  // Names, good and bad.
  'a',
  'b',
  'library',
  'alpine',
  'x1',
  'a.b',
  'a_b',
  'a__b',
  'a---b',
  'a-',
  '-a',
  '_a',
  'a_',
  '.a',
  'a.',
  'A',
  'Alpine',
  'ALPINE',
  'a'.repeat(64),
  'b'.repeat(255),
  'c'.repeat(300),
  `${'d'.repeat(100)}.${'e'.repeat(100)}`,
  // Route words, so that suffix matching meets names that look like routes.
  'v2',
  '_catalog',
  'blobs',
  'uploads',
  'manifests',
  'tags',
  'list',
  'referrers',
  '_manifests',
  '_layers',
  '_uploads',
  'docker',
  'registry',
  'repositories',
  'data',
  'link',
  'current',
  'index',
  'revisions',
  // References and digests.
  'latest',
  'v1.0',
  'LATEST',
  'a'.repeat(128),
  'a'.repeat(129),
  SHA256,
  SHA512,
  `sha256%3A${HEX64}`,
  `sha256:${HEX64.slice(0, 63)}`,
  `sha256:${HEX64.toUpperCase()}`,
  'sha256:../../x',
  `md5:${'0'.repeat(32)}`,
  `sha256+b64:${'A'.repeat(43)}=`,
  `SHA256:${HEX64}`,
  '0b3d4a1e-6a5f-4e4b-9c2a-1f2e3d4c5b6a',
  '0B3D4A1E-6A5F-4E4B-9C2A-1F2E3D4C5B6A',
  // Unicode and odd ASCII (encoded: a request line is ASCII).
  '%C3%A9',
  '%F0%9F%90%B3',
  '%E2%80%A8',
  '%EF%BC%8E%EF%BC%8E',
  'a;b',
  'a,b',
  'a:b',
  'a@b',
  'a+b',
  'a$b',
  '~',
  '!',
  '*',
  "'",
  '(',
  ')',
];

/** Query strings (without the `?`). */
export const QUERY_POOL: readonly string[] = [
  '',
  'n=1',
  'n=0',
  'n=-1',
  'n=abc',
  'n=99999999999999999999',
  'n=1e3',
  'last=a',
  'last=%00',
  'last=',
  `digest=${SHA256}`,
  `digest=${SHA512}`,
  'digest=sha256:../../x',
  `digest=md5:${'0'.repeat(32)}`,
  'digest=',
  `mount=${SHA256}&from=a`,
  `mount=${SHA256}&from=..`,
  `mount=${SHA256}&from=%2e%2e%2fb`,
  'mount=x&from=y',
  'digest-algorithm=sha512',
  'digest-algorithm=md5',
  'digest-algorithm=',
  'tag=a&tag=b',
  'tag=..',
  'tag=%00',
  'artifactType=a/b',
  'artifactType=%00',
  '%zz=%zz',
  '&&&',
  '=',
  'digest=a&digest=b',
  'n=1&n=2',
];

/** Header values by header name (never Host, Connection, Content-Length, Transfer-Encoding). */
export const HEADER_POOL: ReadonlyArray<readonly [string, readonly string[]]> = [
  [
    'content-type',
    [
      'application/octet-stream',
      'application/vnd.oci.image.manifest.v1+json',
      'application/vnd.oci.image.index.v1+json',
      'application/vnd.docker.distribution.manifest.v2+json',
      'application/vnd.docker.distribution.manifest.v1+prettyjws',
      'application/json',
      'text/plain; charset=utf-8',
      'foo',
      '',
      ';;;',
      '/',
      'a/b; c',
      'multipart/form-data; boundary=x',
      'application/vnd.oci.image.manifest.v1+json; charset=utf-8',
      'application/x-www-form-urlencoded',
    ],
  ],
  [
    'content-range',
    [
      '0-0',
      '0-9',
      '1-0',
      '0-18446744073709551616',
      '-1-5',
      'bytes 0-9/10',
      'bytes 0-9/*',
      'bytes */10',
      'garbage',
      '',
      '0-',
      '9007199254740993-9007199254740994',
      '00000000000000000000001-2',
      '0-9, 10-19',
    ],
  ],
  [
    'range',
    [
      'bytes=0-0',
      'bytes=0-',
      'bytes=-1',
      'bytes=-0',
      'bytes=5-1',
      'bytes=0-1,2-3',
      'bytes=99999999999999999999-',
      'bytes=0-99999999999999999999',
      'items=0-1',
      'bytes=',
      'bytes=--',
      'bytes=1-2-3',
      '',
    ],
  ],
  [
    'accept',
    [
      '*/*',
      'application/vnd.oci.image.manifest.v1+json',
      'application/vnd.oci.image.index.v1+json',
      'text/html',
      '',
      ',,,',
      'a;q=0.1, b;q=0.2',
      'application/*',
    ],
  ],
  ['authorization', ['Bearer x', 'Basic Og==', 'Basic !!!', '', 'Bearer ' + 'a'.repeat(2000)]],
  ['docker-content-digest', [SHA256, 'x']],
  ['x-forwarded-for', ['127.0.0.1', '::1, 10.0.0.1', 'garbage']],
  ['if-none-match', [`"${SHA256}"`, '*', '']],
  ['expect', ['100-continue']],
];

export const METHOD_POOL: readonly string[] = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', 'TRACE', 'PROPFIND', 'MKCOL', 'FOO'];

/** Methods a request body may go with (undici refuses a body on GET and HEAD). */
export function methodTakesBody(method: string): boolean {
  return method !== 'GET' && method !== 'HEAD' && method !== 'TRACE';
}

/**
 * What no response body may ever contain: stack frames, internal storage paths, module paths,
 * and the `secrets` of the deployment (the storage root directory). A string the client sent
 * itself (`sent`: its URL and headers) may be echoed back in a message, so it is not counted.
 */
export function leaks(body: string, sent: string, secrets: readonly string[] = []): string | undefined {
  if (/\n\s+at [^\n]*[(:]/.test(body) || /\bat [\w.<>]+ \(/.test(body)) return 'a stack frame';
  const needles = ['/docker/registry/v2', 'node_modules', 'file://', ...secrets];
  for (const needle of needles) {
    if (needle !== '' && body.includes(needle) && !sent.includes(needle)) return `the string ${JSON.stringify(needle)}`;
  }
  return undefined;
}
