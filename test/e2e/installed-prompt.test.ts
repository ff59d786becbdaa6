// The installed bin's prompt (`image prune -a`), as docker's: answered at a terminal, answered
// through a pipe (`echo y |`), skipped with -f (which reads nothing), and interrupted.

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { after, before, beforeEach, describe, it } from 'node:test';
import { writeImageLayout } from '../support/oci-layout.js';
import { makeTempDir, removeTempDirs, runOk } from '../support/process.js';
import { spawnPty } from '../support/pty.js';
import { installedStowage } from './installed.js';

const PROMPT = 'WARNING! This will remove all images, tagged or not.\r\nAre you sure you want to continue? [y/N] ';

/** Runs the bin with stdin a pipe: `input` written to it, then closed unless `keepOpen`. */
function piped(bin: string, args: string[], input: string, keepOpen = false): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(bin, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.once('error', reject);
    child.once('close', (code) => {
      clearTimeout(timer);
      child.stdin.destroy();
      resolve({ code, stdout, stderr });
    });
    child.stdin.write(input);
    if (!keepOpen) child.stdin.end();
  });
}

describe('the installed bin: image prune -a asks as docker does', () => {
  let bin: string;
  let dir: string;
  let root: string;
  const images = async () => (await runOk(bin, ['--root', root, 'images', '-q'])).stdout.trim();

  before(async () => {
    bin = await installedStowage();
    dir = await makeTempDir('stowage-e2e-prompt-');
    root = join(dir, 'store');
    await writeImageLayout(join(dir, 'src'), { layers: 1, seed: 'e2e-prompt', tag: 't' });
    await runOk(bin, ['copy', '-q', `oci:${join(dir, 'src')}:t`, `docker-archive:${join(dir, 'img.tar')}:e2e/prompt:1`]);
  });
  beforeEach(async () => {
    if ((await images()) === '') await runOk(bin, ['--root', root, 'load', '-i', join(dir, 'img.tar')]);
  });
  after(removeTempDirs);

  it('answered N at the terminal: nothing removed', async () => {
    const pty = spawnPty(bin, ['--root', root, 'image', 'prune', '-a']);
    await pty.waitFor(/\[y\/N\] $/);
    pty.type('N\r');
    assert.equal(await pty.exited, 0, pty.output());
    assert.ok(pty.output().startsWith(PROMPT), pty.output());
    assert.doesNotMatch(pty.output(), /Deleted Images/);
    assert.notEqual(await images(), '');
  });

  it('answered y at the terminal: the images go', async () => {
    const pty = spawnPty(bin, ['--root', root, 'image', 'prune', '-a']);
    await pty.waitFor(/\[y\/N\] $/);
    pty.type('y\r');
    assert.equal(await pty.exited, 0, pty.output());
    assert.match(pty.output(), /\[y\/N\] y\r\nDeleted Images:\r\nuntagged: e2e\/prompt:1\r\n[\s\S]*Total reclaimed space: /);
    assert.equal(await images(), '');
  });

  it('echo y | : the answer comes through the pipe', async () => {
    const r = await piped(bin, ['--root', root, 'image', 'prune', '-a'], 'y\n');
    assert.equal(r.code, 0, r.stderr);
    assert.ok(r.stdout.startsWith(PROMPT.replace('\r\n', '\n')), r.stdout);
    assert.match(r.stdout, /Deleted Images:\nuntagged: e2e\/prompt:1\n/);
    assert.equal(await images(), '');
  });

  it('end of input without an answer is no', async () => {
    const r = await piped(bin, ['--root', root, 'image', 'prune', '-a'], '');
    assert.equal(r.code, 0, r.stderr);
    assert.doesNotMatch(r.stdout, /Deleted Images/);
    assert.notEqual(await images(), '');
  });

  it('-f without a terminal asks nothing and reads nothing (stdin left open)', async () => {
    const r = await piped(bin, ['--root', root, 'image', 'prune', '-a', '-f'], '', true);
    assert.equal(r.code, 0, r.stderr);
    assert.doesNotMatch(r.stdout, /Are you sure/);
    assert.match(r.stdout, /^Deleted Images:\nuntagged: e2e\/prompt:1\n/);
    assert.equal(await images(), '');
  });

  it('Ctrl-C at the prompt ends the line and exits 130, removing nothing', async () => {
    const pty = spawnPty(bin, ['--root', root, 'image', 'prune', '-a']);
    await pty.waitFor(/\[y\/N\] $/);
    pty.type('\x03');
    assert.equal(await pty.exited, 130, pty.output());
    assert.match(pty.output(), /\[y\/N\] \^C\r\n$/);
    assert.notEqual(await images(), '');
  });
});
