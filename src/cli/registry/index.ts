import type { Command } from 'commander';

/**
 * `stowage registry …`: maintenance of a registry's data directory (the root `stowage serve`
 * and distribution serve), run beside a running server or without one. Each verb's module is
 * imported only when it runs.
 */
export function registerRegistryCommands(program: Command): void {
  const registry = program.command('registry').description("maintain a registry's data directory (what stowage serve serves)");

  registry
    .command('gc')
    .description('garbage-collect a registry root: blobs, manifests and layer links no tag reaches; tag retention')
    .argument('[config]', "the server's config.yml: its storage root and storage.maintenance.gc / retention settings")
    .option('--root <dir>', 'storage root directory (default ./data without a config, as stowage serve)')
    .option('--dry-run', 'decide and report everything, delete nothing')
    .option('--delete-untagged', 'also delete manifests no tag reaches, once older than storage.maintenance.gc.untagged.age (default 168h)')
    .option('--grace <duration>', 'keep anything uploaded, linked or HEADed this recently, e.g. 30m (default storage.maintenance.gc.grace, 1h)')
    .option('--format <format>', 'text (default) or json (the report)')
    .addHelpText(
      'after',
      [
        '',
        'Safe while a server (stowage serve) runs on the same root: pushes, pulls and deletes go on',
        'during the run, and whatever a client uploaded or found present within the grace window is',
        'kept. One run at a time per root: a second one exits 1 ("another garbage collection is running").',
        'Without a server, --grace 0 frees everything unreferenced at once.',
      ].join('\n'),
    )
    .action(async (config: string | undefined, options: Record<string, unknown>) => {
      const { registryGc } = await import('./gc.js');
      await registryGc(config, options);
    });

  registry
    .command('du')
    .description('space per repository: bytes, unique bytes (what deleting it would free) and bytes shared with others')
    .argument('[config]', 'the config.yml `stowage serve` runs with (its storage section says where the data is)')
    .argument('[repository]', 'only this repository (its unique bytes still judged against all others)')
    .option('--root <dir>', "storage root directory, instead of the config's (default ./data without a config, as stowage serve)")
    .option('--format <format>', 'table (default) or json (the usage report)')
    .action(async (config: string | undefined, repository: string | undefined, options: Record<string, unknown>) => {
      const { registryDu } = await import('./du.js');
      await registryDu(config, repository, options);
    });

  const db = registry.command('db').description('the database several replicas share (database: in the config)');
  db.command('import')
    .description("build the database from the storage: every repository's manifests and tags (resumable)")
    .argument('[config]', 'the config.yml `stowage serve` runs with: its storage section and database.dsn')
    .option('--root <dir>', "storage root directory, instead of the config's (default ./data without a config, as stowage serve)")
    .addHelpText(
      'after',
      [
        '',
        'Servers refuse a database that is empty beside a storage holding repositories, or whose',
        'import has not finished. Cut short (Ctrl-C, a crash), a second run resumes; run again',
        'later, it reads everything afresh (after distribution wrote to the same storage).',
      ].join('\n'),
    )
    .action(async (config: string | undefined, options: Record<string, unknown>) => {
      const { registryDbImport } = await import('./db.js');
      await registryDbImport(config, options);
    });

  const cache = registry.command('cache').description('the pull-through cache (proxy: / proxies: in the config): list, remove or pre-pull cached images');
  const configArgument = 'the config.yml `stowage serve` runs with: its storage root and its proxy: / proxies: section';
  const rootOption = "storage root directory, instead of the config's (default ./data without a config, as stowage serve)";
  const imageHelp = [
    '',
    'IMAGE is written as clients pull it through this registry: docker.io/library/alpine:3,',
    'ghcr.io/org/app@sha256:…, or (with a docker.io upstream as the default) alpine:3.',
  ].join('\n');

  cache
    .command('ls')
    .description('cached images: REPOSITORY TAG DIGEST SIZE LAST PULLED UPSTREAM, per tag and untagged manifest')
    .argument('[config]', configArgument)
    .argument('[repository]', 'only this cached repository (docker.io/library/alpine)')
    .option('--root <dir>', rootOption)
    .option('--format <format>', 'table (default) or json')
    .addHelpText(
      'after',
      [
        '',
        "LAST PULLED is when a client last pulled the manifest: what the upstream's ttl counts from",
        '(garbage collection removes cached content unpulled for longer). SIZE counts the blobs the',
        'cache holds (for an index, the platforms it fetched). Listing does not count as a pull.',
      ].join('\n'),
    )
    .action(async (config: string | undefined, repository: string | undefined, options: Record<string, unknown>) => {
      const { registryCacheLs } = await import('./cache.js');
      await registryCacheLs(config, repository, options);
    });

  cache
    .command('rm')
    .description('remove a cached tag, manifest (by digest) or whole repository; its blobs are freed by the next gc')
    .argument('[config]', configArgument)
    .argument('[image]', 'IMAGE[:TAG|@DIGEST], or a repository for all of it (required)')
    .option('--root <dir>', rootOption)
    .option('--format <format>', 'text (default) or json (what was removed)')
    .option('--gc', 'then collect garbage, as stowage registry gc with the same config does (filesystem roots)')
    .option('--grace <duration>', "with --gc: the collection's grace window, e.g. 0 offline (default storage.maintenance.gc.grace, 1h)")
    .addHelpText(
      'after',
      `${imageHelp}\nA tag goes with the manifest it names when no other tag reaches it (and an index with its\nplatform manifests). Blobs stay until garbage collection (stowage registry gc, or --gc) frees them.`,
    )
    .action(async (config: string | undefined, image: string | undefined, options: Record<string, unknown>) => {
      const { registryCacheRm } = await import('./cache.js');
      await registryCacheRm(config, image, options);
    });

  cache
    .command('warm')
    .description('pre-pull an image through the cache from its upstream: manifest, every platform of an index, every blob')
    .argument('[config]', configArgument)
    .argument('[image]', 'IMAGE[:TAG|@DIGEST], tag latest when none is given (required)')
    .option('--root <dir>', rootOption)
    .option('--format <format>', 'text (default) or json (the report)')
    .addHelpText(
      'after',
      `${imageHelp}\nWhat is cached already is not fetched again; the report says how many bytes came from the\nupstream. Safe beside a running server on the same root.`,
    )
    .action(async (config: string | undefined, image: string | undefined, options: Record<string, unknown>) => {
      const { registryCacheWarm } = await import('./cache.js');
      await registryCacheWarm(config, image, options);
    });
}
