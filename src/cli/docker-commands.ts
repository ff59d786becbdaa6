import type { Command } from 'commander';
import { transportForms } from '../ops/transports.js';
import { withRegistryOptions } from './registry-options.js';

/**
 * `stowage docker …`: Docker's own store read from its files, with no daemon and never a
 * write. Every verb takes the flags that say which root and which store to read. `images`,
 * `inspect`, `df` and `info` are the local store's verbs handed a Docker root's catalog.
 */
export function registerDockerCommands(program: Command): void {
  const docker = program
    .command('docker')
    .description("read Docker's own image store offline (read-only): where images are, what they take, and taking them out");

  withRootOptions(docker.command('where').description('which Docker root would be read, and why')).action(async (options: Record<string, unknown>) => {
    const { dockerWhere } = await import('./docker/where.js');
    await dockerWhere(options);
  });

  withRootOptions(
    docker
      .command('images')
      .description('list the images of a Docker root, as `docker images`')
      .argument('[repository]', 'REPOSITORY[:TAG]')
      .option('-a, --all', 'show intermediate images too')
      .option('-q, --quiet', 'only image IDs')
      .option('--digests', 'show digests')
      .option('--no-trunc', "don't truncate output")
      .option('-f, --filter <filter>', 'dangling=, reference=, before=, since=, label=', collect, [])
      .option('--format <format>', 'table, table TEMPLATE, json or a Go template, e.g. "{{.Repository}}:{{.Tag}}"'),
  ).action(async (repository: string | undefined, options: Record<string, unknown>) => {
    const [{ images }, { openDockerCatalog }] = await Promise.all([import('./images.js'), import('./catalogs.js')]);
    await images(repository, options, openDockerCatalog);
  });

  withRootOptions(
    docker
      .command('inspect')
      .description("docker image inspect's JSON, plus each layer's chain ID, cache ID, directory and size")
      .argument('<image...>', 'name, name:tag, name@digest or ID (prefix)')
      .option('-f, --format <format>', 'json, or a Go template such as "{{.Id}}", "{{index .RepoDigests 0}}" or "{{json .Stowage}}"'),
  ).action(async (names: string[], options: Record<string, unknown>) => {
    const [{ imageInspect }, { openDockerCatalog }] = await Promise.all([import('./image-inspect.js'), import('./catalogs.js')]);
    await imageInspect(names, options, openDockerCatalog);
  });

  withRootOptions(
    docker
      .command('df')
      .description('disk usage, as `docker system df`')
      .option('-v, --verbose', 'per image, container and volume')
      .option('--exact', "walk layer directories instead of trusting layerdb's recorded sizes")
      .option('--format <format>', 'table, table TEMPLATE, json or a Go template ({{.Type}} …; with -v, over {{.Images}}, {{.Containers}}, {{.Volumes}})'),
  ).action(async (options: Record<string, unknown>) => {
    const [{ systemDf }, { openDockerCatalog }] = await Promise.all([import('./system-df.js'), import('./catalogs.js')]);
    await systemDf(options, openDockerCatalog);
  });

  withRootOptions(
    docker
      .command('info')
      .description('the Docker root, its store, counts and disk use')
      .option('-f, --format <format>', 'json, or a Go template such as "{{.DockerRootDir}}" or "{{.Images}}"'),
  ).action(async (options: Record<string, unknown>) => {
    const [{ info }, { openDockerCatalog }] = await Promise.all([import('./info.js'), import('./catalogs.js')]);
    await info(options, openDockerCatalog);
  });

  withRootOptions(
    docker
      .command('locate')
      .description('what an ID (image, layer diff/chain/cache ID, container) or a path under the root is, and who uses it')
      .argument('<id-or-path>')
      .option('--format <format>', 'json, or a Go template over each match ("{{.Kind}} {{.Directory}}")'),
  ).action(async (query: string, options: Record<string, unknown>) => {
    const { dockerLocate } = await import('./docker/locate.js');
    await dockerLocate(query, options);
  });

  withRootOptions(
    withRegistryOptions(
      docker
        .command('export')
        .description('copy an image out of a Docker root: DEST is a file (docker save archive) or any transport name')
        .argument('<image>')
        .argument('<destination>', `FILE or ${transportForms('sink')}`)
        .option('-q, --quiet', 'no progress output'),
    ),
  ).action(async (image: string, destination: string, options: Record<string, unknown>) => {
    const { dockerExport } = await import('./docker/export.js');
    await dockerExport(image, destination, options);
  });
}

function withRootOptions(command: Command): Command {
  return command
    .option('--docker-root <dir>', 'the Docker root (default: data-root from /etc/docker/daemon.json, else /var/lib/docker)')
    .option('--store <kind>', 'graph, containerd or legacy, when a root holds more than one')
    .option('--storage-driver <driver>', 'read image/<driver>/ (overlay2, vfs, aufs, …)')
    .option('--namespace <ns>', 'containerd namespace (default moby)');
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}
