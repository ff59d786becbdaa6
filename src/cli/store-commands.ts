import { InvalidArgumentError, type Command } from 'commander';

/**
 * The local-store verbs, named and flagged as docker's (images, image ls/inspect/rm/prune/tag/
 * history, rmi, tag, history, info, system df/prune/check/info). Only this file is loaded at
 * start-up: each verb's module is imported when that verb runs.
 *
 * `system df -v` needs the program's own `-v, --version` to stop at the verb:
 * call `program.enablePositionalOptions()` (global options then go before the verb; every
 * verb here also takes `--root` itself).
 */
export function registerStoreCommands(program: Command): void {
  images(program.command('images').description('list images in the local store'));
  rmi(program.command('rmi').description('remove images from the local store'));
  tag(program.command('tag').description('give a stored image another name'));
  history(program.command('history').description("show an image's history"));
  info(program.command('info').description('show where the local store is and what it holds'));

  const image = program.command('image').description('manage images in the local store');
  images(image.command('ls').alias('list').description('list images'));
  inspect(image.command('inspect').description('show images as JSON (docker image inspect)'));
  rmi(image.command('rm').alias('remove').description('remove images'));
  prune(image.command('prune').description('remove dangling images (with -a, all images)'), 'image');
  tag(image.command('tag').description('give a stored image another name'));
  history(image.command('history').description("show an image's history"));
  image
    .command('unpack')
    .description('unpack the layers into shared chain-ID directories, as overlay2 holds them')
    .argument('<image>', 'name or ID')
    .option('--root <dir>', 'local store root')
    .action(async (name: string, options: Record<string, unknown>, command: Command) => {
      const { unpack } = await import('./export.js');
      await unpack(name, options, command);
    });

  const system = program.command('system').description('manage the local store');
  df(system.command('df').description('show disk usage'));
  prune(system.command('prune').description('remove dangling images, unreferenced blobs and stale staging areas'), 'system');
  check(system.command('check').description('verify blobs and references; exit 1 if anything is wrong'));
  info(system.command('info').description('show where the local store is and what it holds'));
}

type Options = Record<string, unknown>;

function images(cmd: Command): void {
  withRoot(cmd)
    .argument('[repository]', 'REPOSITORY[:TAG]; * and ? match as in docker')
    .option('-a, --all', 'show all images (the store keeps no intermediate images, so all are shown anyway)')
    .option('-q, --quiet', 'only image IDs, each once')
    .option('--digests', 'show digests')
    .option('--no-trunc', 'do not truncate image IDs')
    .option('-f, --filter <filter>', 'dangling=true|false, reference=PATTERN, before=IMAGE, since=IMAGE, label=KEY[=VALUE]; repeatable', collect, [])
    .option('--format <format>', 'table, table TEMPLATE, json or TEMPLATE, e.g. "{{.Repository}}:{{.Tag}}"')
    .action(async (repository: string | undefined, options: Options, command: Command) => {
      const verb = await import('./images.js');
      await verb.images(repository, withStoreRoot(options, command));
    });
}

function inspect(cmd: Command): void {
  withRoot(cmd)
    .argument('<images...>', 'names (alpine, alpine:3, host/repo:tag, repo@digest) or IDs, full or short')
    .option('-f, --format <format>', 'json, or a Go template such as "{{.Id}}", "{{index .RepoDigests 0}}" or "{{json .Config}}"')
    .action(async (names: string[], options: Options, command: Command) => {
      const verb = await import('./image-inspect.js');
      await verb.imageInspect(names, withStoreRoot(options, command));
    });
}

function rmi(cmd: Command): void {
  withRoot(cmd)
    .argument('<images...>', 'names or IDs')
    .option('-f, --force', 'remove an image with several names by ID; names that are not there are not an error')
    .action(async (names: string[], options: Options, command: Command) => {
      const verb = await import('./rmi.js');
      await verb.rmi(names, withStoreRoot(options, command));
    });
}

function tag(cmd: Command): void {
  withRoot(cmd)
    .argument('<source>', 'a stored image: name or ID')
    .argument('<target>', 'the new name, e.g. localhost:5000/team/app:1.0')
    .action(async (source: string, target: string, options: Options, command: Command) => {
      const verb = await import('./tag.js');
      await verb.tag(source, target, withStoreRoot(options, command));
    });
}

function history(cmd: Command): void {
  withRoot(cmd)
    .argument('<image>', 'name or ID')
    .option('-H, --human [bool]', 'sizes and dates for people (--human=false: bytes and RFC 3339)', parseBool, true)
    .option('--no-trunc', 'do not truncate output')
    .option('-q, --quiet', 'only image IDs')
    .option('--format <format>', 'table, table TEMPLATE, json or TEMPLATE ({{.ID}}, {{.CreatedSince}}, {{.CreatedBy}}, {{.Size}}, {{.Comment}})')
    .action(async (name: string, options: Options, command: Command) => {
      const verb = await import('./history.js');
      await verb.history(name, withStoreRoot(options, command));
    });
}

function info(cmd: Command): void {
  withRoot(cmd)
    .option('-f, --format <format>', 'json, or a Go template such as "{{.StowageRootDir}}" or "{{.Images}}"')
    .action(async (options: Options, command: Command) => {
      const verb = await import('./info.js');
      await verb.info(withStoreRoot(options, command));
    });
}

function prune(cmd: Command, scope: 'image' | 'system'): void {
  withRoot(cmd)
    .option('-a, --all', 'remove every image, not only dangling ones')
    .option('-f, --force', 'do not ask for confirmation')
    .action(async (options: Options, command: Command) => {
      if (scope === 'image') {
        const verb = await import('./prune.js');
        await verb.imagePrune(withStoreRoot(options, command));
      } else {
        const verb = await import('./system-prune.js');
        await verb.systemPrune(withStoreRoot(options, command));
      }
    });
}

function df(cmd: Command): void {
  withRoot(cmd)
    .option('-v, --verbose', 'show each image')
    .option(
      '--format <format>',
      'table, table TEMPLATE, json or TEMPLATE ({{.Type}}, {{.TotalCount}}, {{.Active}}, {{.Size}}, {{.Reclaimable}}; with -v, over {{.Images}})',
    )
    .action(async (options: Options, command: Command) => {
      const verb = await import('./system-df.js');
      await verb.systemDf(withStoreRoot(options, command));
    });
}

function check(cmd: Command): void {
  withRoot(cmd)
    .option('--repair', 'remove corrupt and unreferenced blobs and stale staging areas')
    .action(async (options: Options, command: Command) => {
      const verb = await import('./system-check.js');
      await verb.systemCheck(withStoreRoot(options, command));
    });
}

function withRoot(cmd: Command): Command {
  return cmd.option('--root <dir>', 'store directory (default $STOWAGE_ROOT, else $XDG_DATA_HOME/stowage or ~/.local/share/stowage)');
}

/** The verb's own --root, else one given to the program (or the `image`/`system` group). */
function withStoreRoot(options: Options, command: Command): Options {
  const root = typeof options.root === 'string' ? options.root : command.optsWithGlobals().root;
  return { ...options, root: typeof root === 'string' ? root : undefined };
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

/** docker's bool flags take `--human=false`; `-H` alone means true. */
function parseBool(value: string): boolean {
  const lowered = value.toLowerCase();
  if (['true', '1', 't'].includes(lowered)) return true;
  if (['false', '0', 'f'].includes(lowered)) return false;
  throw new InvalidArgumentError(`invalid boolean "${value}": use true or false`);
}
