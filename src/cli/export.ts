import type { Command } from 'commander';
import { mkdir, readdir } from 'node:fs/promises';
import { StowageError } from '../errors/error.js';
import { writeStreamAtomic } from '../fs/durable.js';
import { exportToDirectory, exportToTar } from '../store/unpack/index.js';
import { openStore } from './store-access.js';

/**
 * `stowage export IMAGE (-o FILE | --dir DIR)`: the image's flattened root filesystem, whiteouts
 * applied (layer.md), as a tar (like `docker export`) or into a directory that must be empty.
 */
export async function exportImage(name: string, options: Record<string, unknown>, command: Command): Promise<void> {
  const store = await openStore(options, command);
  const image = await store.resolve(name);
  const layers = store.layerStreams(image);
  if (typeof options.dir === 'string') {
    await mkdir(options.dir, { recursive: true });
    if ((await readdir(options.dir)).length > 0) throw new StowageError('UNSUPPORTED', `${options.dir} is not empty: export into an empty directory`);
    const result = await exportToDirectory(layers, options.dir, { devices: Boolean(options.devices) });
    for (const skipped of result.skipped) process.stderr.write(`skipped ${skipped.path}: ${skipped.reason}\n`);
    // Like `image unpack`: a tree missing entries (or their attributes) is not the image's root filesystem.
    const count = result.skipped.length;
    if (count > 0) throw new StowageError('LAYER_INVALID', `${count} entr${count === 1 ? 'y' : 'ies'} of ${name} could not be written whole into ${options.dir} (listed above)`);
    return;
  }
  const output = options.output as string | undefined;
  if (!output && process.stdout.isTTY) throw new StowageError('UNSUPPORTED', 'cowardly refusing to write a tar to a terminal: use -o FILE, --dir DIR or redirect');
  if (!output) {
    await exportToTar(layers, process.stdout);
    return;
  }
  // Written beside the target, fsynced and renamed: a failed export never leaves a truncated tar under its name.
  await writeStreamAtomic(output, async (out) => {
    await exportToTar(layers, out);
  });
}

/** `stowage image unpack IMAGE`: the layer directories, one per chain ID, as overlay2 holds them. */
export async function unpack(name: string, options: Record<string, unknown>, command: Command): Promise<void> {
  const store = await openStore(options, command);
  const image = await store.resolve(name);
  for (const layer of await store.unpack(image)) process.stdout.write(`${layer.path}${layer.created ? '' : ' (already unpacked)'}\n`);
}
