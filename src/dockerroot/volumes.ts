import path from 'node:path';
import type { ConfinedFs } from './confined-fs.js';
import type { DockerVolume } from './model.js';

/** volumes/<name>/_data: the local driver's named volumes (moby volume/local). */
export async function readVolumes(fs: ConfinedFs): Promise<DockerVolume[]> {
  const out: DockerVolume[] = [];
  // Real directories only: `volumes/evil -> /elsewhere` is neither listed nor measured.
  for (const entry of fs.listTypedSync('volumes')) {
    if (!entry.isDirectory() || !/^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/.test(entry.name)) continue;
    const data = path.join('volumes', entry.name, '_data');
    const info = await fs.lstat(data);
    if (info?.isDirectory()) out.push({ name: entry.name, directory: fs.join(data) });
  }
  return out;
}
