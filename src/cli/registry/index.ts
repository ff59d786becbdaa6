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
}
