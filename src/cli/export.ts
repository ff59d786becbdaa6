import type { Command } from 'commander';
import type { Writable } from 'node:stream';
import { StowageError } from '../errors/error.js';
import { exportRootfs } from '../ops/export.js';
import { openStore } from './store-access.js';
import { optionalString } from './verb-output.js';

/**
 * `stowage export IMAGE (-o FILE | --dir DIR)`: the image's flattened root filesystem, whiteouts
 * applied (layer.md), as a tar (like `docker export`) or into a directory that must be empty.
 */
export async function exportImage(name: string, options: Record<string, unknown>, command: Command): Promise<void> {
  const store = await openStore(options, command);
  const dir = optionalString(options.dir);
  if (dir !== undefined) {
    const { skipped } = await exportRootfs(name, { store, to: { directory: dir, devices: Boolean(options.devices) } });
    for (const entry of skipped) process.stderr.write(`skipped ${entry.path}: ${entry.reason}\n`);
    // Like `image unpack`: a tree missing entries (or their attributes) is not the image's root filesystem.
    const count = skipped.length;
    if (count > 0)
      throw new StowageError('LAYER_INVALID', `${count} entr${count === 1 ? 'y' : 'ies'} of ${name} could not be written whole into ${dir} (listed above)`);
    return;
  }
  const output = optionalString(options.output);
  // Checked once the image is found, as before: a missing image is the error to report first.
  const stdout = (): Writable => {
    if (process.stdout.isTTY) throw new StowageError('UNSUPPORTED', 'cowardly refusing to write a tar to a terminal: use -o FILE, --dir DIR or redirect');
    return process.stdout;
  };
  await exportRootfs(name, { store, to: { tar: output || stdout } });
}

/** `stowage image unpack IMAGE`: the layer directories, one per chain ID, as overlay2 holds them. */
export async function unpack(name: string, options: Record<string, unknown>, command: Command): Promise<void> {
  const store = await openStore(options, command);
  const image = await store.resolve(name);
  for (const layer of await store.unpack(image)) process.stdout.write(`${layer.path}${layer.created ? '' : ' (already unpacked)'}\n`);
}
