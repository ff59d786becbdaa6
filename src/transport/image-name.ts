import { StowageError } from '../errors/error.js';
import type { Reference } from '../reference/reference.js';
import { findTransport, listTransports } from './table.js';

/** What `oci:`, `oci-archive:` and `docker-archive:` name: a file or directory, and maybe one of its images. */
export interface PathName {
  path: string;
  ref?: string;
}

/**
 * The parsed form of each transport's names, by scheme. A transport registered from another
 * folder adds its own entry (TypeScript declaration merging), as src/dockerroot/transport.ts
 * adds `docker-root`, so this folder never imports the transports that extend it.
 */
export interface ImageNames {
  docker: { reference: Reference };
  oci: PathName;
  'oci-archive': PathName;
  'docker-archive': PathName;
}

export type TransportScheme = keyof ImageNames;

/**
 * An image location in skopeo's transport syntax (containers-transports(5)): `SCHEME:REST`,
 * parsed by the transport the scheme names (table.ts lists them, with their syntax).
 */
export type ImageName<K extends TransportScheme = TransportScheme> = { [P in K]: { transport: P } & ImageNames[P] }[K];

/** The scheme a name starts with (`oci` for `oci:dir:tag`), if it is a registered transport's. */
function schemeOf(text: string): string | undefined {
  const colon = text.indexOf(':');
  if (colon <= 0) return undefined;
  const scheme = text.slice(0, colon);
  return findTransport(scheme) !== undefined ? scheme : undefined;
}

/** Whether `text` starts with a registered transport's scheme (`docker-root:alpine` does, `alpine:3` does not). */
export function isTransportName(text: string): boolean {
  return schemeOf(text) !== undefined;
}

export function parseImageName(text: string): ImageName {
  const scheme = schemeOf(text);
  const transport = scheme !== undefined ? findTransport(scheme) : undefined;
  if (scheme === undefined || transport === undefined) {
    const forms = listTransports().map((t) => t.syntax);
    throw new StowageError('REFERENCE_INVALID', `"${text}" names no transport: use ${forms.slice(0, -1).join(', ')} or ${forms[forms.length - 1] ?? ''}`);
  }
  return transport.parse(text.slice(scheme.length + 1), text);
}

/**
 * A name as `stowage inspect` takes it (skopeo inspect): one with a transport's scheme is that
 * transport's; anything else is a registry reference, `docker://` implied.
 */
export function parseImageNameOrReference(text: string): ImageName {
  return parseImageName(isTransportName(text) ? text : `docker://${text}`);
}
