import { discoverRoot } from '../../dockerroot/root-discovery.js';
import { optionalString, print } from '../verb-output.js';

/** `stowage docker where`: which Docker root would be read, and why; the others looked at. */
export async function dockerWhere(options: Record<string, unknown>): Promise<void> {
  const found = await discoverRoot(optionalString(options.dockerRoot));
  const out: string[] = [];
  if (found.desktopDisk !== undefined) {
    out.push(`Docker Desktop keeps images inside its Linux VM; the VM's disk is ${found.desktopDisk}.`);
    out.push('Run stowage inside the VM (or on a copy of that disk mounted elsewhere) with --docker-root.');
  }
  out.push(`Docker Root Dir: ${found.root} (${found.source})`);
  if (found.daemonConfig !== undefined) {
    const settings = [
      found.daemonConfig.storageDriver !== undefined ? `storage-driver ${found.daemonConfig.storageDriver}` : undefined,
      found.daemonConfig.containerdSnapshotter !== undefined ? `containerd-snapshotter ${found.daemonConfig.containerdSnapshotter}` : undefined,
    ].filter((s) => s !== undefined);
    out.push(`Daemon config: ${found.daemonConfig.file}${settings.length > 0 ? ` (${settings.join(', ')})` : ''}`);
  }
  out.push('Looked at:');
  for (const candidate of found.candidates) out.push(`  ${candidate.exists ? 'found  ' : 'missing'} ${candidate.path} (${candidate.source})`);
  print(`${out.join('\n')}\n`);
}
