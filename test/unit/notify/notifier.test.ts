/** The Notifier's own rules, without a receiver: queue directory names, misuse, and disk errors reaching publish. */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { Notifier, endpointDirectory } from '../../../src/registry/notify/notifier.js';
import type { EndpointSettings, RegistryEvent } from '../../../src/registry/notify/types.js';

let root: string;
/** A loopback port nothing listens on (one just closed): nothing is delivered while the tests look. */
let refused: string;
before(async () => {
  root = await mkdtemp(join(tmpdir(), 'stowage-notifier-'));
  const server = createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  refused = `http://127.0.0.1:${(server.address() as AddressInfo).port}/events`;
  server.close();
});
after(() => rm(root, { recursive: true, force: true }));

const settings = (name: string): EndpointSettings => ({
  name,
  url: refused,
  headers: {},
  timeoutMs: 1000,
  threshold: 1,
  backoffMs: 60_000,
  ignoredMediaTypes: [],
  ignoredActions: [],
  maxPending: 100,
});

const event: RegistryEvent = {
  id: 'e1',
  timestamp: '2026-12-03T17:02:00.000Z',
  action: 'push',
  target: { repository: 'team/app', tag: 'v1' },
  request: { id: 'r1', method: 'PUT', useragent: 'ua' },
  actor: {},
  source: {},
};

test('queue directory names are path-safe, readable, and distinct for names that differ only in case or punctuation', () => {
  const names = ['listener', 'Listener', '../../etc', 'a/b', 'a_b', 'a b', '.', '..', 'x'.repeat(300)];
  const dirs = names.map(endpointDirectory);
  assert.equal(new Set(dirs.map((d) => d.toLowerCase())).size, names.length);
  for (const dir of dirs) {
    assert.match(dir, /^[A-Za-z0-9_-]{0,64}-[0-9a-f]{12}$/);
  }
  assert.ok(endpointDirectory('listener').startsWith('listener-'));
  assert.equal(endpointDirectory('listener'), endpointDirectory('listener'), 'stable across processes');
});

test('two endpoints with one name are refused; a disabled endpoint gets no queue and no stats', async () => {
  assert.throws(() => new Notifier({ endpoints: [settings('a'), settings('a')], queueDirectory: root }), { code: 'CONFIG_INVALID', message: /"a"/ });
  const queueDirectory = join(root, 'disabled');
  const notifier = new Notifier({ endpoints: [{ ...settings('off'), disabled: true }], queueDirectory });
  await notifier.start();
  await notifier.publish(event);
  assert.deepEqual(notifier.stats(), []);
  await notifier.close();
  await assert.rejects(readdir(queueDirectory), { code: 'ENOENT' });
});

test('publish before start, or after close, is refused', async () => {
  const notifier = new Notifier({ endpoints: [settings('a')], queueDirectory: join(root, 'misuse') });
  await assert.rejects(notifier.publish(event), { name: 'StowageError', message: /before start/ });
  await notifier.start();
  await notifier.close();
  await assert.rejects(notifier.publish(event), { name: 'StowageError', message: /closed/ });
});

test('a disk error rejects publish with a StowageError naming the path; the endpoint being down never does', async () => {
  const queueDirectory = join(root, 'disk-error');
  const notifier = new Notifier({ endpoints: [settings('a')], queueDirectory });
  await notifier.start();
  // Down endpoint: publish resolves.
  await notifier.publish(event);
  const dir = join(queueDirectory, endpointDirectory('a'));
  assert.equal(notifier.stats()[0]!.pending, 1);
  // The queue directory replaced by a file: the next segment cannot be created.
  await notifier.close();
  const errors: string[] = [];
  const log = { info: () => undefined, warn: () => undefined, error: (_: object | string, message?: string) => void errors.push(message ?? '') };
  const again = new Notifier({ endpoints: [settings('a')], queueDirectory, log });
  await again.start();
  await rm(dir, { recursive: true });
  await writeFile(dir, 'not a directory');
  await assert.rejects(again.publish({ ...event, id: 'e2' }), (err: Error & { code?: string }) => {
    assert.equal(err.name, 'StowageError');
    assert.ok(err.message.includes(dir), err.message);
    return true;
  });
  // The failed event is not counted as pending.
  assert.equal(again.stats()[0]!.pending, 1);
  // Not awaited (a pull): the error is logged, never an unhandled rejection.
  again.publishInBackground({ ...event, id: 'e3', action: 'pull' });
  await waitUntil(() => errors.includes('notifications: could not queue an event'));
  await again.close({ deadlineMs: 10 });
});

async function waitUntil(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 1000 && !condition(); i++) await new Promise((resolve) => setTimeout(resolve, 10));
  assert.ok(condition(), 'timed out');
}
