/**
 * The configuration of the transport and limits (README, "Configuration"): distribution's
 * `http.http2.disabled`, Stowage's `limits` section, their REGISTRY_* overrides, and one clear
 * error line for a bad value, both from loadServeConfig and from `stowage serve`.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { loadServeConfig } from '../../../src/config/serve-config.js';
import { DEFAULT_LIMITS } from '../../../src/registry/server/limits.js';

const CLI = fileURLToPath(new URL('../../../src/cli/main.js', import.meta.url));
const run = promisify(execFile);

describe('serve configuration: http2 and limits', () => {
  let dir: string;
  before(async () => (dir = await mkdtemp(join(tmpdir(), 'stowage-limits-config-'))));
  after(async () => rm(dir, { recursive: true, force: true }));

  let n = 0;
  /** A config file; one that names no storage gets in-memory storage (a config must name one). */
  const file = async (text: string): Promise<string> => {
    const path = join(dir, `config-${n++}.yml`);
    await writeFile(path, /^storage:/m.test(text) ? text : `${text}storage:\n  inmemory:\n`);
    return path;
  };

  it('defaults: HTTP/2 on (it only matters with TLS) and the limits of limits.ts', async () => {
    const config = await loadServeConfig(undefined, {}, {});
    assert.equal(config.http2, true);
    assert.deepEqual(config.limits, { ...DEFAULT_LIMITS });
  });

  it("reads distribution's http.http2.disabled, and REGISTRY_HTTP_HTTP2_DISABLED", async () => {
    const off = await file('http:\n  http2:\n    disabled: true\n');
    assert.equal((await loadServeConfig(off, {}, {})).http2, false);
    assert.equal((await loadServeConfig(undefined, {}, { REGISTRY_HTTP_HTTP2_DISABLED: 'true' })).http2, false);
    assert.equal((await loadServeConfig(off, {}, { REGISTRY_HTTP_HTTP2_DISABLED: 'false' })).http2, true);
  });

  it('reads every key of the limits section, durations as distribution writes them', async () => {
    const path = await file('limits:\n  headerstimeout: 500ms\n  idletimeout: 2m\n  maxheaderbytes: 8192\n  uploadsperclient: 4\n  uploadsessionttl: 6h\n');
    assert.deepEqual((await loadServeConfig(path, {}, {})).limits, {
      headersTimeoutMs: 500,
      idleTimeoutMs: 120_000,
      maxHeaderBytes: 8192,
      maxConcurrentUploadsPerClient: 4,
      uploadSessionTtlMs: 6 * 3_600_000,
    });
    // Plain numbers of seconds, as for http.draintimeout; missing keys keep their defaults.
    const partial = await file('limits:\n  headerstimeout: 10\n');
    assert.deepEqual((await loadServeConfig(partial, {}, {})).limits, { ...DEFAULT_LIMITS, headersTimeoutMs: 10_000 });
    // An empty section is no section.
    assert.deepEqual((await loadServeConfig(await file('limits:\n'), {}, {})).limits, { ...DEFAULT_LIMITS });
  });

  it('lets REGISTRY_LIMITS_* override the file', async () => {
    const path = await file('limits:\n  uploadsperclient: 4\n  headerstimeout: 5s\n');
    const env = { REGISTRY_LIMITS_UPLOADSPERCLIENT: '8', REGISTRY_LIMITS_MAXHEADERBYTES: '32768', REGISTRY_LIMITS_UPLOADSESSIONTTL: '30m' };
    const { limits } = await loadServeConfig(path, {}, env);
    assert.equal(limits.maxConcurrentUploadsPerClient, 8);
    assert.equal(limits.maxHeaderBytes, 32_768);
    assert.equal(limits.uploadSessionTtlMs, 1_800_000);
    assert.equal(limits.headersTimeoutMs, 5000);
  });

  it('refuses a bad value with one CONFIG_INVALID line naming the key', async () => {
    const cases: Array<[string, RegExp]> = [
      ['limits:\n  headerstimeout: soon\n', /^limits\.headerstimeout: invalid duration "soon"$/],
      ['limits:\n  idletimeout: 0s\n', /^limits\.idletimeout must be a positive whole number/],
      ['limits:\n  maxheaderbytes: -1\n', /^limits\.maxheaderbytes must be a positive whole number/],
      ['limits:\n  uploadsperclient: 2.5\n', /^limits\.uploadsperclient must be a positive whole number/],
      ['limits:\n  uploadsperclient: many\n', /^limits\.uploadsperclient must be a positive whole number/],
      ['limits:\n  uploadsessionttl: 1d\n', /^limits\.uploadsessionttl: invalid duration "1d"$/],
      ['limits:\n  maxheadersize: 100\n', /^unknown key limits\.maxheadersize \(did you mean limits\.maxheaderbytes\?\)$/],
      ['limits:\n  uploadsperclient: [1]\n', /limits\.uploadsperclient: /],
      ['http:\n  http2:\n    disabled: "yes"\n', /http\.http2\.disabled: /],
    ];
    for (const [text, expected] of cases) {
      const path = await file(text);
      await assert.rejects(loadServeConfig(path, {}, {}), (err: Error & { code?: string }) => {
        assert.equal(err.code, 'CONFIG_INVALID', text);
        assert.ok(!err.message.includes('\n'), `more than one line: ${err.message}`);
        assert.match(err.message.replace(`config file ${path}: `, ''), expected, text);
        return true;
      });
    }
    await assert.rejects(loadServeConfig(undefined, {}, { REGISTRY_LIMITS_HEADERSTIMEOUT: 'never' }), {
      code: 'CONFIG_INVALID',
      message: 'limits.headerstimeout: invalid duration "never"',
    });
  });

  it('stowage serve stops on a bad limit with that one line on stderr and exit code 1', async () => {
    const path = await file(`storage:\n  filesystem:\n    rootdirectory: ${dir}/data\nlimits:\n  uploadsperclient: 0\n`);
    const failure = await run(process.execPath, [CLI, 'serve', path], { timeout: 10_000 }).then(
      () => assert.fail('stowage serve started with uploadsperclient: 0'),
      (err: { code: number; stderr: string }) => err,
    );
    assert.equal(failure.code, 1);
    assert.match(failure.stderr, /^stowage: limits\.uploadsperclient must be a positive whole number[^\n]*\n$/);
  });
});
