import type { Command } from 'commander';
import { withRegistryOptions } from './registry-options.js';

/** pull, push, save, load, export and unpack: the verbs that move images in and out of the store. */
export function registerTransferCommands(program: Command): void {
  withRegistryOptions(
    program
      .command('pull')
      .description('pull an image from a registry into the local store')
      .argument('<name>', 'NAME[:TAG|@DIGEST], e.g. alpine, ghcr.io/org/app:1.2')
      .option('--platform <os/arch[/variant]>', "which image of a multi-arch index (default: this machine's)")
      .option('-q, --quiet', 'print only the image reference')
      .option('--root <dir>', 'local store root'),
  ).action(async (name: string, options: Record<string, unknown>, command: Command) => {
    const { pull } = await import('./pull.js');
    await pull(name, options, command);
  });

  withRegistryOptions(
    program
      .command('push')
      .description('push an image of the local store to its registry')
      .argument('<name>', 'NAME[:TAG]')
      .option('-q, --quiet', 'no progress output')
      .option('--root <dir>', 'local store root'),
  ).action(async (name: string, options: Record<string, unknown>, command: Command) => {
    const { push } = await import('./push.js');
    await push(name, options, command);
  });

  program
    .command('save')
    .description('write images to one tar archive (docker save format, or OCI with --format oci)')
    .argument('<image...>')
    .option('-o, --output <file>', 'write to a file instead of standard output')
    .option('--format <format>', 'docker (default) or oci')
    .option('--root <dir>', 'local store root')
    .action(async (images: string[], options: Record<string, unknown>, command: Command) => {
      const { save } = await import('./save-load.js');
      await save(images, options, command);
    });

  program
    .command('load')
    .description('load the images of a tar archive (docker save or OCI; plain, gzip, zstd, bzip2 or xz) into the local store')
    .option('-i, --input <file>', 'read from a file instead of standard input')
    .option('--root <dir>', 'local store root')
    .action(async (options: Record<string, unknown>, command: Command) => {
      const { load } = await import('./save-load.js');
      await load(options, command);
    });

  program
    .command('export')
    .description("an image's flattened root filesystem, whiteouts applied, as a tar or into a directory")
    .argument('<image>')
    .option('-o, --output <file>', 'write the tar to a file instead of standard output')
    .option('--dir <dir>', 'write the files into an empty directory instead')
    .option('--devices', 'create device nodes (root only)')
    .option('--root <dir>', 'local store root')
    .action(async (image: string, options: Record<string, unknown>, command: Command) => {
      const { exportImage } = await import('./export.js');
      await exportImage(image, options, command);
    });
}
