/**
 * The durable per-endpoint queue: appends survive a reopen in order, the cursor says what was
 * delivered, a line torn by a crash is ignored, delivered segments are deleted, and concurrent
 * appends share one write.
 */
import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { CURSOR_FILE, EventQueue } from '../../../src/registry/notify/queue.js';
import type { RegistryEvent } from '../../../src/registry/notify/types.js';

let root: string;
before(async () => (root = await mkdtemp(join(tmpdir(), 'stowage-notify-queue-'))));
after(() => rm(root, { recursive: true, force: true }));

/** A queue that never yields an event must fail its test, not hang the run. */
const QUICK = { timeout: 20_000 };

let dirs = 0;
const freshDir = (): string => join(root, `q${++dirs}`);

function event(n: number): RegistryEvent {
  return {
    id: `event-${n}`,
    timestamp: '2026-12-03T17:02:00.000Z',
    action: 'push',
    target: { repository: 'team/app', tag: `v${n}` },
    request: { id: `r${n}`, method: 'PUT', useragent: 'ua' },
    actor: {},
    source: {},
  };
}

async function openQueue(directory: string, segmentBytes?: number): Promise<EventQueue> {
  const queue = new EventQueue({ directory, ...(segmentBytes ? { segmentBytes } : {}) });
  await queue.open();
  return queue;
}

const append = (queue: EventQueue, n: number): Promise<void> => queue.append(event(n), JSON.stringify(event(n)));

/** Delivers `count` events from the head, returning their ids in order. */
async function deliver(queue: EventQueue, count: number): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < count; i++) {
    const head = await queue.head();
    assert.ok(head);
    ids.push(head.event.id);
    queue.markDelivered(head.seq);
  }
  return ids;
}

const segmentsIn = async (dir: string): Promise<string[]> => (await readdir(dir)).filter((n) => n.endsWith('.jsonl')).sort();

test('appended events come back in order after a reopen, without those the cursor says were delivered', QUICK, async () => {
  const dir = freshDir();
  const first = await openQueue(dir);
  for (let n = 1; n <= 5; n++) await append(first, n);
  assert.equal(first.pending, 5);
  assert.deepEqual(await deliver(first, 2), ['event-1', 'event-2']);
  assert.equal(first.pending, 3);
  await first.close();
  assert.deepEqual(JSON.parse(await readFile(join(dir, CURSOR_FILE), 'utf8')), { delivered: 2 });

  const second = await openQueue(dir);
  assert.equal(second.pending, 3);
  await append(second, 6);
  assert.deepEqual(await deliver(second, 4), ['event-3', 'event-4', 'event-5', 'event-6']);
  assert.equal(second.pending, 0);
  await second.close();

  // The last segment stays while it is appended to; all delivered, it goes on the next open, and nothing is sent again.
  assert.equal((await segmentsIn(dir)).length, 1, "the first process's segment, all delivered, is gone");
  const third = await openQueue(dir);
  assert.equal(third.pending, 0);
  assert.deepEqual(await segmentsIn(dir), []);
  await append(third, 7);
  assert.deepEqual(await deliver(third, 1), ['event-7']);
  await third.close();
});

test('an event delivered whose cursor never reached the disk is sent again after a reopen (at least once)', QUICK, async () => {
  const dir = freshDir();
  const queue = await openQueue(dir);
  for (let n = 1; n <= 3; n++) await append(queue, n);
  assert.deepEqual(await deliver(queue, 2), ['event-1', 'event-2']);
  await queue.close();
  // As if the process died after delivering event 2 and before its cursor write: the cursor still says 1.
  await writeFile(join(dir, CURSOR_FILE), '{"delivered":1}\n');
  const again = await openQueue(dir);
  assert.equal(again.pending, 2);
  assert.deepEqual(await deliver(again, 2), ['event-2', 'event-3']);
  await again.close();
});

test('a line torn by a crash mid-append is ignored, and the events before it are kept', QUICK, async () => {
  const dir = freshDir();
  const queue = await openQueue(dir);
  for (let n = 1; n <= 2; n++) await append(queue, n);
  await queue.close();
  const [segment] = await segmentsIn(dir);
  const path = join(dir, segment!);
  await writeFile(path, `${await readFile(path, 'utf8')}{"seq":3,"event":{"id":"event-3","times`);

  const warnings: string[] = [];
  const log = { info: () => undefined, warn: (_: object | string, msg?: string) => void warnings.push(msg ?? ''), error: () => undefined };
  const reopened = new EventQueue({ directory: dir, log });
  await reopened.open();
  assert.equal(reopened.pending, 2);
  assert.ok(
    warnings.some((w) => /torn/.test(w)),
    'the torn line is reported',
  );
  // New events go to a new segment, never after the torn bytes.
  await append(reopened, 4);
  assert.equal((await segmentsIn(dir)).length, 2);
  assert.deepEqual(await deliver(reopened, 3), ['event-1', 'event-2', 'event-4']);
  await reopened.close();
  // The torn seq 3 was never committed, so the next event took it.
  assert.deepEqual(await segmentsIn(dir), [`${'3'.padStart(16, '0')}.jsonl`], 'the torn segment, all delivered, is deleted');
});

test('segments whose events are all delivered are deleted while the queue runs', QUICK, async () => {
  const dir = freshDir();
  // About two events per segment.
  const queue = await openQueue(dir, 300);
  for (let n = 1; n <= 12; n++) await append(queue, n);
  const before = await segmentsIn(dir);
  assert.ok(before.length >= 4, `several segments (${before.length})`);
  assert.deepEqual(
    await deliver(queue, 12),
    Array.from({ length: 12 }, (_, i) => `event-${i + 1}`),
  );
  await queue.close();
  const left = await segmentsIn(dir);
  assert.deepEqual(left, [before[before.length - 1]], 'only the segment being appended to is left');
});

test('an endpoint far behind is read back from disk in order, across segments', QUICK, async () => {
  const dir = freshDir();
  const queue = await openQueue(dir, 4096);
  await Promise.all(Array.from({ length: 3000 }, (_, i) => append(queue, i + 1)));
  for (let n = 3001; n <= 3100; n++) await append(queue, n);
  const ids = await deliver(queue, 3100);
  assert.deepEqual(
    ids,
    Array.from({ length: 3100 }, (_, i) => `event-${i + 1}`),
  );
  await queue.close();
});

test('a reader waiting at the end of the queue gets each batch in order as it is written', QUICK, async () => {
  const queue = await openQueue(freshDir());
  await append(queue, 1);
  assert.deepEqual(await deliver(queue, 1), ['event-1']);
  const waiting = deliver(queue, 60);
  await Promise.all(Array.from({ length: 60 }, (_, i) => append(queue, i + 2)));
  assert.deepEqual(
    await waiting,
    Array.from({ length: 60 }, (_, i) => `event-${i + 2}`),
  );
  await queue.close();
});

test('concurrent appends share writes (group commit): 500 events, a couple of fsyncs', QUICK, async () => {
  const dir = freshDir();
  const queue = await openQueue(dir);
  await Promise.all(Array.from({ length: 500 }, (_, i) => append(queue, i + 1)));
  assert.ok(queue.writes <= 2, `${queue.writes} writes for 500 concurrent appends`);
  assert.equal(queue.pending, 500);
  await queue.close();
  const reopened = await openQueue(dir);
  assert.equal(reopened.pending, 500);
  assert.deepEqual((await deliver(reopened, 3)).slice(0, 3), ['event-1', 'event-2', 'event-3']);
  await reopened.close();
});

test('a queue directory that cannot be made is a StowageError naming the path', QUICK, async () => {
  const file = join(root, 'a-file');
  await writeFile(file, 'x');
  const queue = new EventQueue({ directory: join(file, 'queue') });
  await assert.rejects(queue.open(), (err: Error & { code?: string }) => {
    assert.equal(err.name, 'StowageError');
    assert.match(err.message, /a-file/);
    return true;
  });
});

test('a head() waiting for events returns undefined once reading stops', QUICK, async () => {
  const queue = await openQueue(freshDir());
  const waiting = queue.head();
  queue.stopReading();
  assert.equal(await waiting, undefined);
  await queue.close();
});

test('bytes in a segment that are not events (damaged by something else) are skipped, and the queue goes on', QUICK, async () => {
  const dir = freshDir();
  const queue = await openQueue(dir);
  await append(queue, 1);
  await queue.close();
  const [segment] = await segmentsIn(dir);
  const path = join(dir, segment!);
  const good = await readFile(path);
  const line = (n: number): string => `{"seq":${n},"event":${JSON.stringify(event(n))}}\n`;
  await writeFile(path, Buffer.concat([good, Buffer.from('not json\n'), Buffer.from([0xff, 0xfe, 0x0a]), Buffer.from(line(2))]));
  const reopened = await openQueue(dir);
  assert.equal(reopened.pending, 2);
  assert.deepEqual(await deliver(reopened, 2), ['event-1', 'event-2']);
  await append(reopened, 3);
  assert.deepEqual(await deliver(reopened, 1), ['event-3']);
  await reopened.close();
});

test('a segment longer than one read, with bytes that are not UTF-8 early on, is read on at the right offsets', QUICK, async () => {
  const dir = freshDir();
  const queue = await openQueue(dir);
  await queue.close();
  const padded = (n: number): RegistryEvent => ({ ...event(n), target: { repository: 'team/app', tag: `v${n}`, url: `https://x/${'p'.repeat(1000)}` } });
  const lines = Array.from({ length: 1500 }, (_, i) => Buffer.from(`{"seq":${i + 1},"event":${JSON.stringify(padded(i + 1))}}\n`));
  await writeFile(join(dir, `${'1'.padStart(16, '0')}.jsonl`), Buffer.concat([lines[0]!, Buffer.from([0xff, 0xfe, 0xfd, 0x0a]), ...lines.slice(1)]));
  const reopened = await openQueue(dir);
  assert.equal(reopened.pending, 1500);
  assert.deepEqual(
    await deliver(reopened, 1500),
    Array.from({ length: 1500 }, (_, i) => `event-${i + 1}`),
  );
  await reopened.close();
});
