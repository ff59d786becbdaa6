/** distribution's ignoredSink: `ignoredmediatypes`, `ignore.mediatypes` and `ignore.actions` drop events before they are queued. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isIgnored } from '../../../src/registry/notify/ignore.js';
import type { EventAction, RegistryEvent } from '../../../src/registry/notify/types.js';

const LAYER = 'application/vnd.docker.image.rootfs.diff.tar.gzip';
const MANIFEST = 'application/vnd.oci.image.manifest.v1+json';

function event(action: EventAction, mediaType?: string): RegistryEvent {
  return {
    id: 'e',
    timestamp: '2026-12-03T17:02:00.000Z',
    action,
    target: { repository: 'team/app', ...(mediaType ? { mediaType } : {}) },
    request: { id: 'r', method: 'GET', useragent: 'ua' },
    actor: {},
    source: {},
  };
}

test('an event whose target has an ignored media type is ignored, whatever its action', () => {
  const settings = { ignoredMediaTypes: [LAYER], ignoredActions: [] };
  assert.equal(isIgnored(settings, event('push', LAYER)), true);
  assert.equal(isIgnored(settings, event('pull', LAYER)), true);
  assert.equal(isIgnored(settings, event('push', MANIFEST)), false);
  // A delete event has no media type: nothing matches it.
  assert.equal(isIgnored(settings, event('delete')), false);
});

test('an event with an ignored action is ignored, whatever its media type', () => {
  const settings = { ignoredMediaTypes: [], ignoredActions: ['pull', 'mount'] as EventAction[] };
  assert.equal(isIgnored(settings, event('pull', MANIFEST)), true);
  assert.equal(isIgnored(settings, event('mount', LAYER)), true);
  assert.equal(isIgnored(settings, event('push', MANIFEST)), false);
  assert.equal(isIgnored(settings, event('delete')), false);
});

test('with nothing ignored every event goes through', () => {
  const settings = { ignoredMediaTypes: [], ignoredActions: [] };
  for (const action of ['push', 'pull', 'mount', 'delete'] as const) assert.equal(isIgnored(settings, event(action, MANIFEST)), false);
});
