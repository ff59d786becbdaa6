import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { listTransports, canWrite } from '../../../src/transport/table.js';
import '../../../src/ops/transports.js';
import { GraphRootBuilder } from '../../support/graph-root.js';
import { packTar } from '../../support/tar-pack.js';
import { tempDir } from './names.js';

const CLI = fileURLToPath(new URL('../../../src/cli/main.js', import.meta.url));
const exec = promisify(execFile);
const stowage = (...args: string[]) => exec(process.execPath, [CLI, ...args], { timeout: 60_000 });

describe('the CLI and the transport table', () => {
  it('copy and inspect --help list every transport the table has, and copy a destination only if writable', async () => {
    const copy = (await stowage('copy', '--help')).stdout;
    const inspect = (await stowage('inspect', '--help')).stdout;
    const flat = (text: string): string => text.replace(/\s+/g, ' ');
    for (const transport of listTransports()) {
      assert.ok(copy.includes(`  ${transport.syntax}  `), `copy --help lists ${transport.syntax}`);
      assert.ok(inspect.includes(`  ${transport.syntax}  `), `inspect --help lists ${transport.syntax}`);
      const destination = /destination\s+(.*?)\n\n/s.exec(copy)?.[1] ?? '';
      assert.equal(flat(destination).includes(transport.syntax), canWrite(transport), `${transport.syntax} as a destination`);
    }
  });

  it('inspects docker-root: names in the Docker root, instead of asking Docker Hub (regression)', async () => {
    const root = join(await tempDir('cli-inspect-docker-root'), 'docker');
    const builder = new GraphRootBuilder(root);
    const base = await builder.layer(
      undefined,
      'base',
      await packTar([
        { name: 'etc/', type: 'directory' },
        { name: 'etc/motd', data: 'hello\n' },
      ]),
    );
    const image = await builder.image([base], ['example.com/team/app:1'], { architecture: 'arm64' });
    const summary = JSON.parse((await stowage('inspect', `docker-root:${root}:example.com/team/app:1`)).stdout) as Record<string, unknown>;
    assert.equal(summary.Name, 'example.com/team/app');
    assert.equal(summary.Architecture, 'arm64');
    assert.deepEqual(summary.Layers, [base.diffId]);
    const config = JSON.parse((await stowage('inspect', '--config', `docker-root:${root}:example.com/team/app:1`)).stdout) as {
      rootfs: { diff_ids: string[] };
    };
    assert.deepEqual(config.rootfs.diff_ids, [base.diffId]);
    const raw = JSON.parse((await stowage('inspect', '--raw', `docker-root:${root}:${image.id}`)).stdout) as { config: { digest: string } };
    assert.equal(raw.config.digest, image.id);
  });
});
