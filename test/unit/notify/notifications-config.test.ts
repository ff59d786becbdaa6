/**
 * distribution's `notifications` section (plus Stowage's queuedirectory and maxpending):
 * defaults as distribution's, misspelt keys and bad values CONFIG_INVALID naming the key.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parse } from 'yaml';
import { NotificationsSchema, resolveNotifications } from '../../../src/config/notifications-config.js';

const QUEUES = '/var/lib/stowage/notifications';

test("an endpoint with only name and url gets distribution's defaults and Stowage's maxpending", () => {
  const settings = resolveNotifications(parse('endpoints:\n  - name: alistener\n    url: https://mylistener.example.com/event\n'), QUEUES);
  assert.deepEqual(settings, {
    endpoints: [
      {
        name: 'alistener',
        url: 'https://mylistener.example.com/event',
        headers: {},
        timeoutMs: 1000,
        threshold: 10,
        backoffMs: 1000,
        ignoredMediaTypes: [],
        ignoredActions: [],
        maxPending: 100_000,
      },
    ],
    queueDirectory: QUEUES,
    includeReferences: false,
  });
});

test("distribution's documented example resolves key for key", () => {
  const yaml = `
events:
  includereferences: true
queuedirectory: /data/queues
endpoints:
  - name: alistener
    disabled: false
    url: https://my.listener.com/event
    headers:
      Authorization: [Bearer s3cr3t]
      X-Single: one
    timeout: 500ms
    threshold: 5
    backoff: 1m
    maxpending: 10
    ignoredmediatypes:
      - application/octet-stream
    ignore:
      mediatypes:
        - application/octet-stream
        - application/vnd.docker.image.rootfs.diff.tar.gzip
      actions:
        - pull
`;
  const settings = resolveNotifications(parse(yaml), QUEUES);
  assert.ok(settings);
  assert.equal(settings.queueDirectory, '/data/queues');
  assert.equal(settings.includeReferences, true);
  assert.deepEqual(settings.endpoints[0], {
    name: 'alistener',
    url: 'https://my.listener.com/event',
    headers: { Authorization: ['Bearer s3cr3t'], 'X-Single': ['one'] },
    timeoutMs: 500,
    threshold: 5,
    backoffMs: 60_000,
    ignoredMediaTypes: ['application/octet-stream', 'application/vnd.docker.image.rootfs.diff.tar.gzip'],
    ignoredActions: ['pull'],
    maxPending: 10,
  });
});

test('durations: Go spellings, or a number of seconds as parseDuration reads numbers everywhere in the config', () => {
  const one = (timeout: string | number) =>
    resolveNotifications({ endpoints: [{ name: 'a', url: 'http://127.0.0.1:1/', timeout }] }, QUEUES)!.endpoints[0]!.timeoutMs;
  assert.equal(one('250ms'), 250);
  assert.equal(one('2s'), 2000);
  assert.equal(one('5m'), 300_000);
  assert.equal(one(3), 3000);
  // Zero is distribution's "use the default".
  assert.equal(one('0s'), 1000);
  assert.throws(() => one('soon'), { code: 'CONFIG_INVALID', message: /notifications\.endpoints\[0\]\.timeout/ });
});

test('no endpoint, or only disabled ones: nothing to notify', () => {
  assert.equal(resolveNotifications(undefined, QUEUES), undefined);
  assert.equal(resolveNotifications(null, QUEUES), undefined);
  assert.equal(resolveNotifications({ events: { includereferences: true } }, QUEUES), undefined);
  assert.equal(resolveNotifications({ endpoints: [{ name: 'a', url: 'http://x/', disabled: true }] }, QUEUES), undefined);
  // One enabled beside a disabled one: both are resolved, the notifier skips the disabled one.
  const both = resolveNotifications(
    {
      endpoints: [
        { name: 'a', url: 'http://x/', disabled: true },
        { name: 'b', url: 'http://y/' },
      ],
    },
    QUEUES,
  );
  assert.deepEqual(
    both?.endpoints.map((e) => [e.name, e.disabled ?? false]),
    [
      ['a', true],
      ['b', false],
    ],
  );
});

test('a misspelt key is CONFIG_INVALID naming it', () => {
  assert.throws(() => resolveNotifications({ endpoints: [{ name: 'a', url: 'http://x/', tiemout: '1s' }] }, QUEUES), {
    code: 'CONFIG_INVALID',
    message: /unknown key notifications\.endpoints\[0\]\.tiemout/,
  });
  assert.throws(() => resolveNotifications({ endpoint: [] }, QUEUES), { code: 'CONFIG_INVALID', message: /unknown key notifications\.endpoint$/ });
  assert.throws(() => resolveNotifications({ endpoints: [{ name: 'a', url: 'http://x/', ignore: { action: ['pull'] } }] }, QUEUES), {
    code: 'CONFIG_INVALID',
    message: /notifications\.endpoints\[0\]\.ignore\.action/,
  });
});

test('bad values are CONFIG_INVALID naming the key', () => {
  const bad = (endpoint: object, key: RegExp) =>
    assert.throws(() => resolveNotifications({ endpoints: [{ name: 'a', url: 'http://x/', ...endpoint }] }, QUEUES), { code: 'CONFIG_INVALID', message: key });
  bad({ url: 'not a url' }, /endpoints\[0\]\.url/);
  bad({ url: 'ftp://x/' }, /endpoints\[0\]\.url: must be http/);
  bad({ ignore: { actions: ['pul'] } }, /endpoints\[0\]\.ignore\.actions\[0\]/);
  bad({ headers: { 'Bad Name': ['x'] } }, /endpoints\[0\]\.headers/);
  bad({ headers: { X: ['a\r\nInjected: 1'] } }, /endpoints\[0\]\.headers/);
  bad({ maxpending: 0 }, /endpoints\[0\]\.maxpending/);
  bad({ threshold: -1 }, /endpoints\[0\]\.threshold/);
  assert.throws(() => resolveNotifications({ endpoints: [{ url: 'http://x/' }] }, QUEUES), { code: 'CONFIG_INVALID', message: /endpoints\[0\]\.name/ });
  assert.throws(
    () =>
      resolveNotifications(
        {
          endpoints: [
            { name: 'a', url: 'http://x/' },
            { name: 'a', url: 'http://y/' },
          ],
        },
        QUEUES,
      ),
    { code: 'CONFIG_INVALID', message: /endpoints\[1\]\.name: "a" is the name of another endpoint/ },
  );
});

test('the schema is idempotent: a section parsed once (as the config reader does) resolves the same', () => {
  const raw = { endpoints: [{ name: 'a', url: 'http://x/', headers: { X: 'one' } }] };
  const once = NotificationsSchema.parse(raw);
  assert.deepEqual(resolveNotifications(once, QUEUES), resolveNotifications(raw, QUEUES));
});
