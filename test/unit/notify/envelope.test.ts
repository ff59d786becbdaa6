/**
 * The POST body distribution's endpoints expect: `{"events":[event]}` in Go's field order, with
 * omitempty, indented by three spaces as json.MarshalIndent does, HTML-escaped as Go escapes.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { EVENTS_MEDIA_TYPE, canonicalEvent, encodeEnvelope } from '../../../src/registry/notify/envelope.js';
import { newEventId, type RegistryEvent } from '../../../src/registry/notify/types.js';

const push: RegistryEvent = {
  // Built in another order than Go's on purpose: the bytes must not depend on it.
  source: { instanceID: 'f3a1', addr: 'registry-1:5000' },
  actor: { name: 'alice' },
  request: { useragent: 'docker/27.0', method: 'PUT', host: 'registry.example.com', addr: '10.0.0.7:51234', id: 'req-1' },
  target: {
    tag: 'latest',
    repository: 'team/app',
    url: 'https://registry.example.com/v2/team/app/manifests/sha256:abc?x=1&y=<2>',
    length: 529,
    size: 529,
    digest: 'sha256:abc',
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
  },
  action: 'push',
  timestamp: '2026-12-03T17:02:00.123Z',
  id: 'b7c6b3a4-1c1e-4e0a-9f1c-1a2b3c4d5e6f',
};

test('a push event is sent as distribution sends it: Go field order, 3-space indent, HTML-escaped strings', () => {
  const expected = [
    '{',
    '   "events": [',
    '      {',
    '         "id": "b7c6b3a4-1c1e-4e0a-9f1c-1a2b3c4d5e6f",',
    '         "timestamp": "2026-12-03T17:02:00.123Z",',
    '         "action": "push",',
    '         "target": {',
    '            "mediaType": "application/vnd.oci.image.manifest.v1+json",',
    '            "digest": "sha256:abc",',
    '            "size": 529,',
    '            "length": 529,',
    '            "repository": "team/app",',
    '            "url": "https://registry.example.com/v2/team/app/manifests/sha256:abc?x=1\\u0026y=\\u003c2\\u003e",',
    '            "tag": "latest"',
    '         },',
    '         "request": {',
    '            "id": "req-1",',
    '            "addr": "10.0.0.7:51234",',
    '            "host": "registry.example.com",',
    '            "method": "PUT",',
    '            "useragent": "docker/27.0"',
    '         },',
    '         "actor": {',
    '            "name": "alice"',
    '         },',
    '         "source": {',
    '            "addr": "registry-1:5000",',
    '            "instanceID": "f3a1"',
    '         }',
    '      }',
    '   ]',
    '}',
  ].join('\n');
  assert.equal(encodeEnvelope(push).toString('utf8'), expected);
  // What a consumer parses is the event itself.
  assert.equal((JSON.parse(encodeEnvelope(push).toString()) as { events: RegistryEvent[] }).events[0]!.target.url, push.target.url);
});

test('omitempty: empty and zero fields are left out, but request.id, method and useragent and the four records always stay', () => {
  const bare: RegistryEvent = {
    id: 'e1',
    timestamp: '2026-12-03T17:02:00.000Z',
    action: 'delete',
    target: { repository: 'team/app', digest: 'sha256:abc', size: 0, tag: '', references: [] },
    request: { id: '', method: '', useragent: '', addr: '' },
    actor: {},
    source: {},
  };
  assert.deepEqual(canonicalEvent(bare), {
    id: 'e1',
    timestamp: '2026-12-03T17:02:00.000Z',
    action: 'delete',
    target: { digest: 'sha256:abc', repository: 'team/app' },
    request: { id: '', method: '', useragent: '' },
    actor: {},
    source: {},
  });
  const text = encodeEnvelope(bare).toString();
  assert.match(text, /"actor": \{\},\n {9}"source": \{\}\n/);
  assert.doesNotMatch(text, /"size"|"tag"|"references"|"addr"|"host"|"name"/);
});

test('references keep their descriptors in Go order, each with omitempty', () => {
  const event = canonicalEvent({
    ...push,
    target: { ...push.target, references: [{ size: 7, digest: 'sha256:def', mediaType: 'application/vnd.oci.image.config.v1+json' }, { digest: 'sha256:0' }] },
  });
  assert.deepEqual(event.target.references, [{ mediaType: 'application/vnd.oci.image.config.v1+json', digest: 'sha256:def', size: 7 }, { digest: 'sha256:0' }]);
  assert.deepEqual(Object.keys(event.target.references![0]!), ['mediaType', 'digest', 'size']);
});

test("the content type is distribution 2.8's envelope media type, and event ids are fresh UUIDs", () => {
  assert.equal(EVENTS_MEDIA_TYPE, 'application/vnd.docker.distribution.events.v1+json');
  const a = newEventId();
  assert.match(a, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  assert.notEqual(a, newEventId());
});
