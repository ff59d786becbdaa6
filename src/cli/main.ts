#!/usr/bin/env node
import './threadpool.js';
import './compile-cache.js';
import { Command, InvalidArgumentError } from 'commander';
import { transportForms, transportHelp } from '../ops/transports.js';
import { withRegistryOptions } from './registry-options.js';
import { registerDockerCommands } from './docker-commands.js';
import { registerRegistryCommands } from './registry/index.js';
import { registerStoreCommands } from './store-commands.js';
import { registerTransferCommands } from './transfer-commands.js';
import { reportError } from './report-error.js';

// Each verb's module is imported only when that verb runs: start-up time is part of the CLI's speed.
const program = new Command('stowage')
  .description('Container images, stored locally and remotely')
  .version('0.1.0', '-v, --version')
  .option('--root <dir>', 'local store root (default: $STOWAGE_ROOT, else ~/.local/share/stowage)')
  .showHelpAfterError()
  // Program options before the verb only: otherwise `-v` would be the version even in `system df -v`.
  .enablePositionalOptions();

registerTransferCommands(program);
registerStoreCommands(program);
registerDockerCommands(program);
registerRegistryCommands(program);

program
  .command('serve')
  .description('run the registry server (OCI distribution spec v1.1) on filesystem storage')
  .argument('[config]', 'a distribution-style config.yml, read strictly (README, "Configuration")')
  .option('--addr <host:port>', 'listen address (default 127.0.0.1:5000; ":5000" for all interfaces)')
  .option('--root <dir>', 'storage root directory (default ./data without a config; a config must name storage unless this is given)')
  .option('--delete', 'allow DELETE of manifests, tags and blobs')
  .option('--no-delete', 'refuse DELETE (405 UNSUPPORTED)')
  .option('--log-level <level>', 'error, warn, info or debug (default info)')
  .action(async (config: string | undefined, options: Record<string, unknown>) => {
    const { serve } = await import('./serve.js');
    await serve(config, options);
  });

withRegistryOptions(
  program
    .command('copy')
    .description('copy an image between registries, OCI layouts and archives (skopeo transport syntax)')
    .argument('<source>', transportForms('source'))
    .argument('<destination>', transportForms('sink'))
    .option('--platform <os/arch[/variant]>', "which image of a multi-arch index (default: this machine's)")
    .option('-a, --all', 'copy the whole multi-arch index')
    .option('--concurrency <n>', 'blobs transferred in parallel', positiveInteger, 4)
    .option('-f, --format <format>', 'write the manifest in these media types: oci or v2s2 (Docker schema 2), as skopeo --format; its digest changes')
    .option('-q, --quiet', 'no progress output')
    .addHelpText('after', transportHelp()),
).action(async (source: string, destination: string, options: Record<string, unknown>) => {
  const { copy } = await import('./copy.js');
  await copy(source, destination, options);
});

withRegistryOptions(
  program
    .command('inspect')
    .description("show an image's manifest, config or summary without pulling its layers")
    .argument('<image>', 'a reference (docker:// implied) or any transport name')
    .option('--raw', 'the manifest (or with --config the config) exactly as stored')
    .option('--config', "the image's config")
    .option('--platform <os/arch[/variant]>', 'which image of a multi-arch index')
    .addHelpText('after', transportHelp('source')),
).action(async (image: string, options: Record<string, unknown>) => {
  const { inspect } = await import('./inspect.js');
  await inspect(image, options);
});

withRegistryOptions(
  program
    .command('tags')
    .description("list a repository's tags")
    .argument('<repository>', 'e.g. alpine, ghcr.io/org/app, localhost:5000/team/web')
    .option('--format <format>', 'text (one per line), json, table, table TEMPLATE or TEMPLATE ({{.Repository}}, {{.Tag}})'),
).action(async (repository: string, options: Record<string, unknown>) => {
  const { tags } = await import('./tags.js');
  await tags(repository, options);
});

withRegistryOptions(
  program
    .command('login')
    .description('log in to a registry; credentials go where docker keeps them (~/.docker/config.json or its helper)')
    .argument('[server]', 'registry host (default Docker Hub)')
    .option('-u, --username <name>')
    .option('-p, --password <password>')
    .option('--password-stdin', 'read the password from standard input'),
).action(async (server: string | undefined, options: Record<string, unknown>) => {
  const { login } = await import('./login.js');
  await login(server, options);
});

program
  .command('logout')
  .description('remove stored credentials for a registry')
  .argument('[server]', 'registry host (default Docker Hub)')
  .action(async (server: string | undefined) => {
    const { logout } = await import('./login.js');
    await logout(server);
  });

function positiveInteger(value: string): number {
  if (!/^[1-9]\d{0,3}$/.test(value)) throw new InvalidArgumentError('expected a whole number from 1 to 9999');
  return Number(value);
}

program.parseAsync(process.argv).catch((err: unknown) => {
  reportError(err);
  process.exitCode = 1;
});
