import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { desktopVmDisk, discoverRoot } from '../../../src/dockerroot/root-discovery.js';
import { makeTempDir, removeTempDirs } from '../../support/process.js';

describe('finding the Docker root', () => {
  after(removeTempDirs);

  it('takes --docker-root first, even when it does not exist', async () => {
    const found = await discoverRoot('/nonexistent/docker', {}, []);
    assert.equal(found.root, '/nonexistent/docker');
    assert.equal(found.source, '--docker-root');
  });

  it('reads data-root (or the legacy graph) from daemon.json, with the driver and the containerd-snapshotter feature', async () => {
    const dir = await makeTempDir('stowage-discover-');
    const configured = join(dir, 'elsewhere');
    await mkdir(configured);
    await writeFile(
      join(dir, 'daemon.json'),
      JSON.stringify({ 'data-root': configured, 'storage-driver': 'vfs', features: { 'containerd-snapshotter': true } }),
    );
    const found = await discoverRoot(undefined, {}, [{ file: join(dir, 'daemon.json'), fallback: join(dir, 'default'), label: 'default' }]);
    assert.equal(found.root, configured);
    assert.match(found.source, /daemon\.json data-root$/);
    assert.deepEqual(found.daemonConfig, { file: join(dir, 'daemon.json'), storageDriver: 'vfs', containerdSnapshotter: true });
    await writeFile(join(dir, 'daemon.json'), JSON.stringify({ graph: configured }));
    assert.match((await discoverRoot(undefined, {}, [{ file: join(dir, 'daemon.json'), fallback: '/x', label: 'default' }])).source, /graph$/);
  });

  it('falls back to the first location that exists (rootless, system, snap)', async () => {
    const dir = await makeTempDir('stowage-discover-');
    await mkdir(join(dir, 'snap-root'));
    const found = await discoverRoot(undefined, {}, [
      { file: join(dir, 'none.json'), fallback: join(dir, 'missing'), label: 'default' },
      { file: join(dir, 'none2.json'), fallback: join(dir, 'snap-root'), label: 'snap package' },
    ]);
    assert.equal(found.root, join(dir, 'snap-root'));
    assert.deepEqual(
      found.candidates.map((c) => c.exists),
      [false, true],
    );
  });

  it("takes the settings of the daemon.json whose root is read (the snap's for the snap root)", async () => {
    const dir = await makeTempDir('stowage-discover-');
    await mkdir(join(dir, 'snap-root'));
    await writeFile(join(dir, 'snap.json'), JSON.stringify({ 'storage-driver': 'vfs' }));
    const found = await discoverRoot(undefined, {}, [
      { file: join(dir, 'none.json'), fallback: join(dir, 'missing'), label: 'default' },
      { file: join(dir, 'snap.json'), fallback: join(dir, 'snap-root'), label: 'snap package' },
    ]);
    assert.equal(found.root, join(dir, 'snap-root'));
    assert.equal(found.daemonConfig?.storageDriver, 'vfs');
    const explicit = await discoverRoot(join(dir, 'snap-root'), {}, [
      { file: join(dir, 'snap.json'), fallback: join(dir, 'snap-root'), label: 'snap package' },
    ]);
    assert.equal(explicit.daemonConfig?.storageDriver, 'vfs', '--docker-root naming that root keeps its daemon.json');
  });

  it("names Docker Desktop's VM disk on macOS and Windows", () => {
    assert.match(desktopVmDisk('/Users/me', {}, 'darwin') ?? '', /Library\/Containers\/com\.docker\.docker\/Data\/vms\/0\/data\/Docker\.raw$/);
    assert.match(desktopVmDisk('C:\\Users\\me', { LOCALAPPDATA: 'C:\\Users\\me\\AppData\\Local' }, 'win32') ?? '', /Docker\\wsl\\disk\\docker_data\.vhdx$/);
    assert.equal(desktopVmDisk('/home/me', {}, 'linux'), undefined);
  });
});
