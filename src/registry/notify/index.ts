export { Notifier, endpointDirectory, type NotifierOptions } from './notifier.js';
export { EVENTS_MEDIA_TYPE, canonicalEvent, encodeEnvelope } from './envelope.js';
export { isIgnored } from './ignore.js';
export { retryDelay } from './backoff.js';
export {
  EVENT_ACTIONS,
  newEventId,
  type EndpointSettings,
  type EndpointStats,
  type EventAction,
  type EventDescriptor,
  type EventTarget,
  type NotificationSettings,
  type NotifierLog,
  type NotifierMetrics,
  type RegistryEvent,
} from './types.js';
