import type { Command } from 'commander';
import { namePath } from '../errors/errno-words.js';
import { StowageError } from '../errors/error.js';
import { load as loadImages } from '../ops/load.js';
import { save as saveImages } from '../ops/save.js';
import { familiarString, parseReference } from '../reference/reference.js';
import { dieOnSignal } from './interrupt.js';
import { openStore } from './store-access.js';
import { optionalString } from './verb-output.js';

/**
 * `stowage save IMAGE... [-o FILE] [--format docker|oci]`: the `docker save` format (or an OCI
 * archive), every image named in one archive, layers they share stored once. To stdout when no
 * -o is given and stdout is not a terminal, as docker does (built in a scratch directory under
 * the store root first: ops/save.ts). Ctrl-C removes the scratch directory and dies of the signal.
 */
export async function save(names: string[], options: Record<string, unknown>, command: Command): Promise<void> {
  const output = optionalString(options.output);
  if (!output && process.stdout.isTTY) throw new StowageError('UNSUPPORTED', 'cowardly refusing to write an archive to a terminal: use -o FILE or redirect');
  if (output) namePath(output, { label: `save -o ${output}`, expected: 'a file name for the archive' });
  const store = await openStore(options, command);
  await dieOnSignal((signal) => saveImages(names, { store, output: output ?? process.stdout, format: options.format === 'oci' ? 'oci' : 'docker', signal }));
}

/**
 * `stowage load [-i FILE]`: every image of a docker-archive (as `docker save` writes it) or OCI
 * archive, plain or compressed with gzip, zstd, bzip2 or xz (as docker load takes them), each
 * image's `Loaded image:` line as it is in. Ctrl-C removes the scratch directory and dies of the signal.
 */
export async function load(options: Record<string, unknown>, command: Command): Promise<void> {
  const input = optionalString(options.input);
  if (!input && process.stdin.isTTY) throw new StowageError('UNSUPPORTED', 'requested load from stdin, but stdin is empty: use -i FILE or redirect');
  if (input) namePath(input, { label: `load -i ${input}`, expected: 'an archive file' });
  const store = await openStore(options, command);
  await dieOnSignal((signal) =>
    loadImages({
      store,
      input: input ?? process.stdin,
      signal,
      onProgress: (event) => {
        if (event.type !== 'image-loaded') return;
        if (event.tags.length === 0) process.stdout.write(`Loaded image ID: ${event.id}\n`);
        for (const tag of event.tags) process.stdout.write(`Loaded image: ${familiarString(parseReference(tag))}\n`);
      },
    }),
  );
}
