import path from 'node:path';
import type { ConfinedFs } from './confined-fs.js';
import type { DockerVolume } from './model.js';

/** volumes/<name>/_data: the local driver's named volumes (moby volume/local). */
export async function readVolumes(fs: ConfinedFs): Promise<DockerVolume[]> {
  const out: DockerVolume[] = [];
  for (const name of await fs.list('volumes')) {
    if (!/^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/.test(name)) continue;
    const data = path.join('volumes', name, '_data');
    const info = await fs.lstat(data);
    if (info?.isDirectory()) out.push({ name, directory: fs.join(data) });
  }
  return out;
}
