#!/usr/bin/env node
import { Command } from 'commander';
import { reportError } from './report-error.js';

// Each verb's module is imported only when that verb runs: start-up time is part of the CLI's speed.
const program = new Command('stowage')
  .description('Container images, stored locally and remotely')
  .version('0.1.0', '-v, --version')
  .showHelpAfterError();

program
  .command('serve')
  .description('run the registry server (OCI distribution spec v1.1) on filesystem storage')
  .argument('[config]', "a distribution-style config.yml (storage.filesystem.rootdirectory, storage.delete.enabled, http.addr, http.tls)")
  .option('--addr <host:port>', 'listen address (default 127.0.0.1:5000; ":5000" for all interfaces)')
  .option('--root <dir>', 'storage root directory (default ./data)')
  .option('--delete', 'allow DELETE of manifests, tags and blobs')
  .option('--no-delete', 'refuse DELETE (405 UNSUPPORTED)')
  .option('--log-level <level>', 'fatal, error, warn, info, debug or trace')
  .action(async (config: string | undefined, options: Record<string, unknown>) => {
    const { serve } = await import('./serve.js');
    await serve(config, options);
  });

program.parseAsync(process.argv).catch((err: unknown) => {
  reportError(err);
  process.exitCode = 1;
});
