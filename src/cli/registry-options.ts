import type { Command } from 'commander';
import type { RegistryClient, RegistryClientOptions } from '../registry/client/client.js';

/** The registry-access flags every verb that talks to registries shares. */
export function withRegistryOptions(command: Command): Command {
  return command
    .option('--insecure-registry <host>', 'allow plain HTTP or an unverified certificate for this host (repeatable)', collect, [])
    .option('--registry-mirror <url>', 'a Docker Hub mirror to try first for pulls (repeatable)', collect, []);
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

export async function registryClient(options: Record<string, unknown>, extra: RegistryClientOptions = {}): Promise<RegistryClient> {
  const { RegistryClient } = await import('../registry/client/client.js');
  return new RegistryClient(registryClientOptions(options, extra));
}

/** The client those flags ask for, as options an operation makes its client from. */
export function registryClientOptions(options: Record<string, unknown>, extra: RegistryClientOptions = {}): RegistryClientOptions {
  const mirrors = (options.registryMirror as string[] | undefined) ?? [];
  return {
    insecureRegistries: (options.insecureRegistry as string[] | undefined) ?? [],
    ...(mirrors.length > 0 ? { mirrors: { 'docker.io': mirrors } } : {}),
    userAgent: 'stowage/0.1',
    ...extra,
  };
}
