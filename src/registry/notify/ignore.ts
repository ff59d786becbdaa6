import type { EndpointSettings, RegistryEvent } from './types.js';

/**
 * Whether an endpoint wants an event: distribution's ignoredSink, applied before the event is
 * queued, so an ignored event costs the endpoint no disk and is never counted. Both
 * `ignoredmediatypes` and `ignore.mediatypes` end up in `ignoredMediaTypes`.
 */
export function isIgnored(settings: Pick<EndpointSettings, 'ignoredMediaTypes' | 'ignoredActions'>, event: RegistryEvent): boolean {
  const mediaType = event.target.mediaType;
  if (mediaType !== undefined && settings.ignoredMediaTypes.includes(mediaType)) return true;
  return settings.ignoredActions.includes(event.action);
}
