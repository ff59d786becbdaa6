import type { EventDescriptor, RegistryEvent } from './types.js';

/** distribution 2.8's envelope media type; the server may configure another (3.x sends `...events.v2+json`). */
export const EVENTS_MEDIA_TYPE = 'application/vnd.docker.distribution.events.v1+json';

/**
 * The event with its fields in Go's declaration order and Go's `omitempty` applied (an empty
 * string, a zero, an empty list left out), so the bytes are what distribution sends whatever
 * order the caller built the object in. `request.id`, `method` and `useragent` have no
 * omitempty in Go and are always there; `target`, `request`, `actor` and `source` are structs,
 * which omitempty never drops, so they are always there too, `{}` when empty.
 */
export function canonicalEvent(event: RegistryEvent): RegistryEvent {
  const { target, request, actor, source } = event;
  return {
    id: event.id,
    timestamp: event.timestamp,
    action: event.action,
    target: {
      ...descriptor(target),
      ...(target.length ? { length: target.length } : {}),
      ...(target.repository ? { repository: target.repository } : {}),
      ...(target.fromRepository ? { fromRepository: target.fromRepository } : {}),
      ...(target.url ? { url: target.url } : {}),
      ...(target.tag ? { tag: target.tag } : {}),
      ...(target.references?.length ? { references: target.references.map(descriptor) } : {}),
    },
    request: {
      id: request.id ?? '',
      ...(request.addr ? { addr: request.addr } : {}),
      ...(request.host ? { host: request.host } : {}),
      method: request.method ?? '',
      useragent: request.useragent ?? '',
    },
    actor: actor?.name ? { name: actor.name } : {},
    source: { ...(source?.addr ? { addr: source.addr } : {}), ...(source?.instanceID ? { instanceID: source.instanceID } : {}) },
  };
}

function descriptor(d: EventDescriptor): EventDescriptor {
  return { ...(d.mediaType ? { mediaType: d.mediaType } : {}), ...(d.digest ? { digest: d.digest } : {}), ...(d.size ? { size: d.size } : {}) };
}

/**
 * The POST body for one event: `{"events":[event]}`, one event per request as distribution
 * 2.8+ sends it, indented as Go's json.MarshalIndent(v, "", "   ") does. Go also escapes `<`,
 * `>`, `&`, U+2028 and U+2029 inside strings (HTML-safe JSON); those characters occur only
 * inside strings in JSON text, so replacing them everywhere is exact.
 */
export function encodeEnvelope(event: RegistryEvent): Buffer {
  const text = JSON.stringify({ events: [canonicalEvent(event)] }, null, 3).replace(/[<>&\u2028\u2029]/g, goEscape);
  return Buffer.from(text, 'utf8');
}

function goEscape(char: string): string {
  return `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`;
}
