import { StowageError } from '../errors/error.js';
import { formatReference, parseReference, tryParseReference } from '../reference/reference.js';
import type { ImageName, PathName, TransportScheme } from './image-name.js';
import type { RegistryClient } from '../registry/client/client.js';
import type { OpenContext } from './open.js';
import type { ImageSink, ImageSource } from './types.js';

/**
 * The one table of transports: every place `stowage copy`, `inspect` and `docker export` can
 * name, with how its names are written and parsed, whether it is read and/or written, and how
 * it opens. Help text, the parse error and the README's list are generated from it (a test
 * checks the README). The registry and file transports live in this folder and are built in;
 * one from another folder registers itself (src/dockerroot/transport.ts, registered in
 * src/ops/transports.ts), so this folder imports none of them. Each transport's module is
 * loaded only when a name of it is opened: the CLI's start-up pays for this table only.
 */
export interface Transport<K extends TransportScheme = TransportScheme> {
  /** What a name starts with, before the first colon: `docker`, `oci`, … */
  readonly scheme: K;
  /** How a name is written, e.g. `oci:DIR[:REF]`. */
  readonly syntax: string;
  /** One line, what the name points at; Markdown code spans allowed (the help shows them plain). */
  readonly description: string;
  /** Parses what follows `scheme:`; `text` is the whole name, for messages. */
  parse(rest: string, text: string): ImageName<K>;
  /** Absent when images cannot be read from this transport. */
  openSource?(name: ImageName<K>, context: OpenContext): Promise<ImageSource>;
  /** Absent when images cannot be written to it; `readOnly` then says why. */
  openSink?(name: ImageName<K>, context: OpenContext): Promise<ImageSink>;
  readonly readOnly?: string;
  /** skopeo inspect's `Name`: the Docker repository the name carries (`docker.io/library/alpine`), if any. */
  repository?(name: ImageName<K>): string | undefined;
}

/** Any one transport, its name type tied to its scheme. */
export type AnyTransport = { [K in TransportScheme]: Transport<K> }[TransportScheme];

const docker: Transport<'docker'> = {
  scheme: 'docker',
  syntax: 'docker://REF',
  description: 'an image in a registry, REF `[HOST/]REPO[:TAG|@DIGEST]` (`docker://alpine` is `docker.io/library/alpine:latest`)',
  parse(rest, text) {
    if (!rest.startsWith('//')) throw new StowageError('REFERENCE_INVALID', `"${text}": the docker transport is written docker://REF`);
    return { transport: 'docker', reference: parseReference(rest.slice(2)) };
  },
  async openSource(name, context) {
    const { RemoteSource } = await import('./remote.js');
    return new RemoteSource(registryClientOf(context), name.reference);
  },
  async openSink(name, context) {
    const { RemoteSink } = await import('./remote.js');
    return new RemoteSink(registryClientOf(context), name.reference);
  },
  repository: (name) => formatReference({ domain: name.reference.domain, path: name.reference.path }),
};

function registryClientOf(context: OpenContext): RegistryClient {
  if (!context.client) throw new StowageError('INTERNAL', 'a docker:// name was opened without a registry client');
  return context.client;
}

/**
 * FILE:REF split at the first colon, as containers/image does: the path cannot hold one, the
 * reference may (`docker.io/library/alpine:latest`, `host:5000/x:t`).
 */
function parsePathName(rest: string, text: string, scheme: string): PathName {
  if (rest === '') throw new StowageError('REFERENCE_INVALID', `"${text}": a path is required after ${scheme}:`);
  const at = rest.indexOf(':');
  const path = at === -1 ? rest : rest.slice(0, at);
  const ref = at === -1 ? '' : rest.slice(at + 1);
  return ref ? { path, ref } : { path };
}

const oci: Transport<'oci'> = {
  scheme: 'oci',
  syntax: 'oci:DIR[:REF]',
  description: 'an OCI image layout directory (`index.json`, `blobs/`)',
  parse: (rest, text) => ({ transport: 'oci', ...parsePathName(rest, text, 'oci') }),
  async openSource(name) {
    const { OciLayoutSource } = await import('./oci-layout.js');
    return OciLayoutSource.open(name.path, name.ref);
  },
  async openSink(name) {
    const { OciLayoutSink } = await import('./oci-layout.js');
    return OciLayoutSink.create(name.path, name.ref);
  },
};

const ociArchive: Transport<'oci-archive'> = {
  scheme: 'oci-archive',
  syntax: 'oci-archive:FILE[:REF]',
  description: 'the same layout in a tar file',
  parse: (rest, text) => ({ transport: 'oci-archive', ...parsePathName(rest, text, 'oci-archive') }),
  async openSource(name) {
    const { OciArchiveSource } = await import('./oci-archive.js');
    return OciArchiveSource.open(name.path, name.ref);
  },
  async openSink(name) {
    const { OciArchiveSink } = await import('./oci-archive.js');
    return OciArchiveSink.create(name.path, name.ref);
  },
};

const dockerArchive: Transport<'docker-archive'> = {
  scheme: 'docker-archive',
  syntax: 'docker-archive:FILE[:NAME:TAG|:@N]',
  description: 'the `docker save` format, readable by `docker load`',
  parse: (rest, text) => ({ transport: 'docker-archive', ...parsePathName(rest, text, 'docker-archive') }),
  async openSource(name) {
    const { DockerArchiveSource } = await import('./docker-archive.js');
    return DockerArchiveSource.open(name.path, name.ref);
  },
  async openSink(name) {
    const { DockerArchiveSink } = await import('./docker-archive.js');
    return DockerArchiveSink.create(name.path, name.ref);
  },
  // A docker-archive carries a repository only when named NAME:TAG (`:@N` is a position).
  repository(name) {
    if (name.ref === undefined || name.ref.startsWith('@')) return undefined;
    const reference = tryParseReference(name.ref);
    return reference ? formatReference({ domain: reference.domain, path: reference.path }) : undefined;
  },
};

const table = new Map<string, AnyTransport>(([docker, oci, ociArchive, dockerArchive] as AnyTransport[]).map((t) => [t.scheme, t]));

/**
 * Adds a transport from outside this folder. Registering the same one again is a no-op (two
 * entry points may both compose the library); a second, different one for a scheme is a bug.
 */
export function registerTransport(transport: AnyTransport): void {
  const existing = table.get(transport.scheme);
  if (existing === transport) return;
  if (existing !== undefined) throw new StowageError('INTERNAL', `transport ${transport.scheme}: is registered twice`);
  table.set(transport.scheme, transport);
}

export function findTransport(scheme: string): AnyTransport | undefined {
  return table.get(scheme);
}

/** The transports in the order they were registered (the built-in ones first). */
export function listTransports(): AnyTransport[] {
  return [...table.values()];
}

export const canRead = (t: AnyTransport): boolean => t.openSource !== undefined;
export const canWrite = (t: AnyTransport): boolean => t.openSink !== undefined;
