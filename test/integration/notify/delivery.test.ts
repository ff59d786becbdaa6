/**
 * The notifier against a real HTTP receiver on 127.0.0.1: the envelope and headers as sent, order
 * kept through outages (refused, 500, hanging), a restart with undelivered events, 3xx as
 * delivered, the bounded queue, ignored events, and endpoints that do not wait for each other.
 */
import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { encodeEnvelope } from '../../../src/registry/notify/envelope.js';
import { Notifier, type NotifierOptions } from '../../../src/registry/notify/notifier.js';
import type { EndpointSettings, EventAction, NotifierMetrics, RegistryEvent } from '../../../src/registry/notify/types.js';
import { Receiver, refusingReceiver, waitFor } from './receiver.js';

let root: string;
before(async () => (root = await mkdtemp(join(tmpdir(), 'stowage-notify-'))));
after(() => rm(root, { recursive: true, force: true }));

/** Waits are generous (receiver.ts waitFor); a test that hangs fails at this. */
const GENEROUS = { timeout: 60_000 };

let dirs = 0;
const freshDir = (): string => join(root, `queues-${++dirs}`);

let events = 0;
function event(action: EventAction = 'push', mediaType = 'application/vnd.oci.image.manifest.v1+json'): RegistryEvent {
  const n = ++events;
  return {
    id: `event-${String(n).padStart(5, '0')}`,
    timestamp: new Date().toISOString(),
    action,
    target: { mediaType, digest: `sha256:${String(n).padStart(64, '0')}`, size: 100 + n, length: 100 + n, repository: 'team/app', tag: `v${n}` },
    request: { id: `req-${n}`, addr: '10.0.0.7:5123', host: 'registry.example.com', method: 'PUT', useragent: 'docker/27.0' },
    actor: { name: 'alice' },
    source: { addr: 'registry-1:5000', instanceID: 'instance-1' },
  };
}

function endpoint(url: string, more: Partial<EndpointSettings> = {}): EndpointSettings {
  return {
    name: 'listener',
    url,
    headers: {},
    timeoutMs: 2_000,
    threshold: 2,
    backoffMs: 20,
    ignoredMediaTypes: [],
    ignoredActions: [],
    maxPending: 100_000,
    ...more,
  };
}

async function started(options: NotifierOptions): Promise<Notifier> {
  const notifier = new Notifier(options);
  await notifier.start();
  return notifier;
}

/** Counts what the notifier reports, keyed as the server's Prometheus series would be. */
function recordingMetrics(): NotifierMetrics & { counts: Map<string, number>; lastPending: Map<string, number> } {
  const counts = new Map<string, number>();
  const lastPending = new Map<string, number>();
  const add = (key: string): void => void counts.set(key, (counts.get(key) ?? 0) + 1);
  return {
    counts,
    lastPending,
    event: (endpoint, action, outcome) => add(`events ${endpoint} ${action} ${outcome}`),
    status: (endpoint, code) => add(`status ${endpoint} ${code}`),
    pending: (endpoint, n) => void lastPending.set(endpoint, n),
    dropped: (endpoint) => add(`dropped ${endpoint}`),
  };
}

const ids = (list: RegistryEvent[]): string[] => list.map((e) => e.id);

test('events arrive in order, one per request, with the exact envelope, content type and configured headers', GENEROUS, async () => {
  const receiver = await new Receiver().start();
  const metrics = recordingMetrics();
  const headers = { Authorization: ['Bearer s3cr3t'], 'X-Multi': ['one', 'two'] };
  const notifier = await started({ endpoints: [endpoint(receiver.url, { headers })], queueDirectory: freshDir(), metrics });
  try {
    const sent = Array.from({ length: 25 }, () => event());
    await Promise.all(sent.map((e) => notifier.publish(e)));
    await waitFor('25 events', () => receiver.accepted.length === 25);
    assert.deepEqual(ids(receiver.accepted), ids(sent));
    receiver.attempts.forEach((attempt, i) => {
      assert.equal(attempt.events.length, 1);
      assert.equal(attempt.body, encodeEnvelope(sent[i]!).toString('utf8'));
      assert.equal(attempt.headers['content-type'], 'application/vnd.docker.distribution.events.v1+json');
      assert.equal(attempt.headers.authorization, 'Bearer s3cr3t');
      const multi = attempt.rawHeaders.filter((_, j) => j % 2 === 1 && attempt.rawHeaders[j - 1]!.toLowerCase() === 'x-multi');
      assert.deepEqual(multi, ['one', 'two']);
    });
    await waitFor('nothing pending', () => notifier.stats()[0]!.pending === 0);
    assert.deepEqual(notifier.stats(), [{ name: 'listener', url: receiver.url, pending: 0, delivered: 25, failures: 0, errors: 0, dropped: 0 }]);
    assert.equal(metrics.counts.get('events listener push Events'), 25);
    assert.equal(metrics.counts.get('events listener push Successes'), 25);
    assert.equal(metrics.counts.get('status listener 200 OK'), 25);
    assert.equal(metrics.lastPending.get('listener'), 0);
  } finally {
    await notifier.close();
    await receiver.stop();
  }
});

test('the endpoint refusing connections, then answering 500, then up: every event arrives, in order, none lost', GENEROUS, async () => {
  const receiver = await refusingReceiver();
  const metrics = recordingMetrics();
  const notifier = await started({ endpoints: [endpoint(receiver.url)], queueDirectory: freshDir(), metrics });
  try {
    const sent = Array.from({ length: 10 }, () => event());
    // publish resolves with the endpoint down: the events are on disk, not delivered.
    for (const e of sent) await notifier.publish(e);
    await waitFor('refused attempts', () => notifier.stats()[0]!.errors >= 4);
    receiver.answer = () => 500;
    await receiver.start();
    await waitFor('500 answers', () => notifier.stats()[0]!.failures >= 4);
    assert.equal(receiver.accepted.length, 0);
    const more = Array.from({ length: 5 }, () => event());
    await Promise.all(more.map((e) => notifier.publish(e)));
    receiver.answer = () => 200;
    await waitFor('all 15 events', () => receiver.accepted.length >= 15);
    assert.deepEqual(ids(receiver.accepted), ids([...sent, ...more]));
    // Every attempt while down was the oldest event: nothing overtook it.
    for (const attempt of receiver.attempts.filter((a) => a.answer === 500)) assert.equal(attempt.events[0]!.id, sent[0]!.id);
    // The receiver records an event before its answer reaches the notifier.
    await waitFor('the last answer', () => notifier.stats()[0]!.delivered === 15);
    const stats = notifier.stats()[0]!;
    assert.equal(stats.dropped, 0);
    assert.match(stats.lastError?.message ?? '', /500 Internal Server Error/);
    assert.ok((metrics.counts.get('events listener push Errors') ?? 0) >= 4);
    assert.ok((metrics.counts.get('status listener 500 Internal Server Error') ?? 0) >= 4);
    await waitFor('nothing pending', () => notifier.stats()[0]!.pending === 0);
  } finally {
    await notifier.close();
    await receiver.stop();
  }
});

test('at least once across a restart: events queued while the endpoint is down reach it, exactly in order, from the next process', GENEROUS, async () => {
  const receiver = await refusingReceiver();
  const queueDirectory = freshDir();
  const sent = Array.from({ length: 40 }, () => event());
  const first = await started({ endpoints: [endpoint(receiver.url)], queueDirectory });
  for (const e of sent.slice(0, 20)) await first.publish(e);
  await Promise.all(sent.slice(20).map((e) => first.publish(e)));
  await waitFor('a failed attempt', () => first.stats()[0]!.errors >= 1);
  await first.close();
  assert.equal(receiver.attempts.length, 0);

  await receiver.start();
  const second = await started({ endpoints: [endpoint(receiver.url)], queueDirectory });
  try {
    assert.ok(second.stats()[0]!.pending > 0);
    const after = event();
    await second.publish(after);
    await waitFor('all 41 events', () => receiver.accepted.length >= 41);
    // The new process's event comes after the old process's: order per endpoint holds across the restart.
    assert.deepEqual(ids(receiver.accepted), ids([...sent, after]));
  } finally {
    await second.close();
    await receiver.stop();
  }
});

test('at least once across a restart with some delivered: what was delivered before a clean close is not sent again', GENEROUS, async () => {
  const receiver = await new Receiver().start();
  // The first 5 attempts are accepted, then the endpoint fails.
  receiver.answer = (_, i) => (i < 5 ? 200 : 503);
  const queueDirectory = freshDir();
  const sent = Array.from({ length: 12 }, () => event());
  const first = await started({ endpoints: [endpoint(receiver.url)], queueDirectory });
  for (const e of sent) await first.publish(e);
  await waitFor('the endpoint failing', () => first.stats()[0]!.failures >= 2);
  await first.close();
  assert.deepEqual(ids(receiver.accepted), ids(sent.slice(0, 5)));

  receiver.answer = () => 200;
  const second = await started({ endpoints: [endpoint(receiver.url)], queueDirectory });
  try {
    assert.equal(second.stats()[0]!.pending, 7);
    await waitFor('all 12 events', () => receiver.accepted.length >= 12);
    assert.deepEqual(ids(receiver.accepted), ids(sent));
  } finally {
    await second.close();
    await receiver.stop();
  }
});

test('a receiver that hangs longer than the timeout is a failure, and the event is sent again', GENEROUS, async () => {
  const receiver = await new Receiver().start();
  receiver.answer = (_, i) => (i < 2 ? 'hang' : 200);
  const notifier = await started({ endpoints: [endpoint(receiver.url, { timeoutMs: 200 })], queueDirectory: freshDir() });
  try {
    const sent = [event(), event()];
    for (const e of sent) await notifier.publish(e);
    await waitFor('both events', () => receiver.accepted.length >= 2);
    assert.deepEqual(ids(receiver.accepted), ids(sent));
    // The hung attempts were the first event, twice, then it went through.
    assert.deepEqual(
      receiver.attempts.map((a) => [a.events[0]!.id, a.answer]),
      [
        [sent[0]!.id, 'hang'],
        [sent[0]!.id, 'hang'],
        [sent[0]!.id, 200],
        [sent[1]!.id, 200],
      ],
    );
    await waitFor('the last answer', () => notifier.stats()[0]!.delivered === 2);
    const stats = notifier.stats()[0]!;
    assert.equal(stats.errors, 2);
    assert.match(stats.lastError?.message ?? '', /no answer within 200 ms/);
  } finally {
    await notifier.close();
    await receiver.stop();
  }
});

test('a 3xx answer is delivered (not followed, not retried); a 4xx is a failure and retried', GENEROUS, async () => {
  const receiver = await new Receiver().start();
  receiver.answer = (seen) => (seen.events[0]!.target.tag === 'redirected' ? 302 : 404);
  const notifier = await started({ endpoints: [endpoint(receiver.url)], queueDirectory: freshDir() });
  try {
    const redirected = { ...event(), target: { repository: 'team/app', tag: 'redirected' } };
    await notifier.publish(redirected);
    await waitFor('the 302', () => notifier.stats()[0]!.delivered === 1);
    assert.equal(receiver.attempts.length, 1);
    const refused = event();
    await notifier.publish(refused);
    await waitFor('404s retried', () => notifier.stats()[0]!.failures >= 3);
    assert.ok(receiver.attempts.slice(1).every((a) => a.events[0]!.id === refused.id && a.answer === 404));
    assert.equal(notifier.stats()[0]!.pending, 1);
  } finally {
    await notifier.close({ deadlineMs: 100 });
    await receiver.stop();
  }
});

test('a full queue drops new events for that endpoint, counts them and warns once; what was queued is delivered', GENEROUS, async () => {
  const receiver = await refusingReceiver();
  const metrics = recordingMetrics();
  const warnings: unknown[] = [];
  const log = { info: () => undefined, error: () => undefined, warn: (fields: object | string) => void warnings.push(fields) };
  const queueDirectory = freshDir();
  const notifier = await started({ endpoints: [endpoint(receiver.url, { maxPending: 3 })], queueDirectory, metrics, log });
  const sent = Array.from({ length: 6 }, () => event());
  for (const e of sent) await notifier.publish(e);
  const stats = notifier.stats()[0]!;
  assert.equal(stats.pending, 3);
  assert.equal(stats.dropped, 3);
  assert.equal(metrics.counts.get('dropped listener'), 3);
  assert.equal(warnings.filter((w) => JSON.stringify(w).includes('maxPending')).length, 1, 'one warning for three drops');
  await notifier.close();

  // The bound holds across a restart too: the 3 still queued count.
  const again = await started({ endpoints: [endpoint(receiver.url, { maxPending: 3 })], queueDirectory });
  await again.publish(event());
  assert.equal(again.stats()[0]!.dropped, 1);
  await receiver.start();
  try {
    await waitFor('the 3 queued', () => receiver.accepted.length >= 3);
    assert.deepEqual(ids(receiver.accepted), ids(sent.slice(0, 3)));
    await waitFor('nothing pending', () => again.stats()[0]!.pending === 0);
  } finally {
    await again.close();
    await receiver.stop();
  }
});

test('ignored media types and actions are not queued; an endpoint down delays neither publish nor the other endpoint', GENEROUS, async () => {
  const up = await new Receiver().start();
  const down = await refusingReceiver();
  const metrics = recordingMetrics();
  const LAYER = 'application/vnd.oci.image.layer.v1.tar+gzip';
  const notifier = await started({
    endpoints: [
      endpoint(up.url, { name: 'picky', ignoredMediaTypes: [LAYER], ignoredActions: ['pull'] }),
      endpoint(down.url, { name: 'down', backoffMs: 1_000 }),
      endpoint(up.url, { name: 'off', disabled: true }),
    ],
    queueDirectory: freshDir(),
    metrics,
  });
  try {
    const manifestPush = event('push');
    const layerPush = event('push', LAYER);
    const pull = event('pull');
    const deletion = event('delete');
    for (const e of [manifestPush, layerPush, pull, deletion]) await notifier.publish(e);
    await waitFor('two events', () => up.accepted.length >= 2);
    assert.deepEqual(ids(up.accepted), ids([manifestPush, deletion]));
    await waitFor('the last answer', () => notifier.stats()[0]!.pending === 0);
    assert.deepEqual(
      notifier.stats().map((s) => [s.name, s.pending]),
      [
        ['picky', 0],
        ['down', 4],
      ],
    );
    assert.equal(metrics.counts.get('events picky pull Events'), undefined);
    assert.equal(metrics.counts.get('events down pull Events'), 1);
    assert.equal(metrics.counts.get('events picky push Events'), 1);
  } finally {
    await notifier.close();
    await up.stop();
  }
  // The disabled endpoint has no queue.
  assert.equal((await readdir(join(root, `queues-${dirs}`))).filter((n) => n.startsWith('off')).length, 0);
});

test('close aborts a request still hanging at its deadline; the event stays queued and is sent by the next process', GENEROUS, async () => {
  const receiver = await new Receiver().start();
  receiver.answer = () => 'hang';
  const queueDirectory = freshDir();
  const first = await started({ endpoints: [endpoint(receiver.url, { timeoutMs: 60_000 })], queueDirectory });
  const e = event();
  await first.publish(e);
  await waitFor('the hanging attempt', () => receiver.attempts.length === 1);
  await first.close({ deadlineMs: 50 });
  assert.equal(first.stats()[0]!.delivered, 0);
  await assert.rejects(first.publish(event()), { name: 'StowageError', message: /closed/ });

  receiver.answer = () => 200;
  const second = await started({ endpoints: [endpoint(receiver.url)], queueDirectory });
  try {
    await waitFor('the event again', () => receiver.accepted.length === 1);
    assert.equal(receiver.accepted[0]!.id, e.id, 'the same id: a consumer can dedupe');
  } finally {
    await second.close();
    await receiver.stop();
  }
});
