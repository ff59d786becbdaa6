import type { Command } from 'commander';
import { pull as pullImage } from '../ops/pull.js';
import { familiarString, formatReference, parseReference, type Reference } from '../reference/reference.js';
import { interruptible } from './interrupt.js';
import { progressReporter } from './progress.js';
import { registryClientOptions } from './registry-options.js';
import { openStore } from './store-access.js';
import { optionalString } from './verb-output.js';

/**
 * `stowage pull NAME[:TAG|@DIGEST]`: docker pull into the local store. Ctrl-C stops it, removes
 * its staging area and exits 130 (interrupt.ts): a pull starts over, as docker's does.
 */
export async function pull(name: string, options: Record<string, unknown>, command: Command): Promise<void> {
  const reference = parseReference(name);
  const quiet = Boolean(options.quiet);
  const out = (line: string): void => void (quiet || process.stdout.write(`${line}\n`));
  if (!/[:@][^/]*$/.test(name)) out('Using default tag: latest');
  const store = await openStore(options, command);
  await interruptible(async (interrupt) => {
    const names = pullNames(reference);
    out(`${names.pulling}: Pulling from ${reference.path}`);
    const reporter = await progressReporter(quiet);
    interrupt.onSignal(reporter.stop);
    const platform = optionalString(options.platform);
    const result = await reporter.around(
      pullImage(reference, { store, registry: registryClientOptions(options), platform, signal: interrupt.signal, onProgress: reporter.onProgress }),
    );
    out(`Digest: ${result.digest}`);
    out(result.upToDate ? `Status: Image is up to date for ${names.status}` : `Status: Downloaded newer image for ${names.status}`);
    process.stdout.write(`${names.final}\n`);
  });
}

/**
 * The names docker prints for a pull. The CLI sends the daemon a digest in place of the tag when
 * both are given (client ImagePull, getAPITagFromNamedRef), so the daemon's lines name
 * `repo@digest` (`host/repo@sha256:…: Pulling from repo`, `Status: … for host/repo@sha256:…`); the CLI's last line
 * is the reference as typed, normalised (`docker.io/library/alpine:latest`, `host/repo:1@sha256:…`).
 */
function pullNames(reference: Reference): { pulling: string; status: string; final: string } {
  const pulled: Reference = reference.digest ? { domain: reference.domain, path: reference.path, digest: reference.digest } : reference;
  // By digest the progress line is the whole reference (moby pull_v2.go: tagOrDigest = digested.String()).
  return { pulling: pulled.digest ? formatReference(pulled) : (pulled.tag ?? 'latest'), status: familiarString(pulled), final: formatReference(reference) };
}
