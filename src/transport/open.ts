import { StowageError } from '../errors/error.js';
import type { RegistryClient } from '../registry/client/client.js';
import type { ImageName } from './image-name.js';
import { findTransport, type AnyTransport, type Transport } from './table.js';
import type { ImageSink, ImageSource } from './types.js';

/** What opening a location needs. */
export interface OpenContext {
  /** Reaches registries: only `docker://` names need one (the others are files). */
  client?: RegistryClient;
  /** Where a source reports what it found wrong but could read past (a damaged Docker root). */
  warn?: (line: string) => void;
}

/** The source for an image name, opened by its transport (table.ts). */
export async function openSource(name: ImageName, context: OpenContext): Promise<ImageSource> {
  const transport = transportOf(name);
  if (transport.openSource === undefined) throw new StowageError('UNSUPPORTED', `${transport.scheme}: cannot be read from`);
  return transport.openSource(name, context);
}

export async function openSink(name: ImageName, context: OpenContext): Promise<ImageSink> {
  const transport = transportOf(name);
  if (transport.openSink === undefined) {
    throw new StowageError('UNSUPPORTED', `${transport.scheme}: is read-only${transport.readOnly !== undefined ? `: ${transport.readOnly}` : ''}`);
  }
  return transport.openSink(name, context);
}

/**
 * The transport that parsed a name, typed for it. A name of a transport that was never
 * registered (docker-root: without src/ops/transports.ts) is refused, naming the scheme.
 */
export function transportOf<N extends ImageName>(name: N): Transport<N['transport']> {
  const transport: AnyTransport | undefined = findTransport(name.transport);
  if (transport === undefined) throw new StowageError('UNSUPPORTED', `no transport ${name.transport}: is registered`);
  return transport as unknown as Transport<N['transport']>;
}
