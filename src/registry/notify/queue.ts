import { mkdir, open, readdir, readFile, unlink, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { StowageError } from '../../errors/error.js';
import { errnoWords, isSystemError } from '../../errors/errno-words.js';
import { syncDirectory, TEMP_PREFIX, writeFileAtomic } from '../../fs/durable.js';
import type { NotifierLog, RegistryEvent } from './types.js';

/**
 * One endpoint's events on disk, in order, until they are delivered.
 *
 * The directory holds append-only segments, `<first seq, 16 digits>.jsonl`, one event a line:
 * `{"seq":N,"event":{…}}`, and `cursor.json`, `{"delivered":N}`: every event up to seq N has
 * been delivered. Appends are group-committed: the events appended while a write is on disk go
 * down together in the next write and share its fsync. The cursor is replaced atomically (temp,
 * fsync, rename, fsync of the directory) after deliveries, coalesced the same way.
 *
 * Delivery is at least once: an event delivered whose cursor write did not reach the disk (a
 * crash, a cut power) is sent again by the next process. Its `id` is the one it was queued with,
 * so a consumer can tell.
 *
 * A process that reopens the directory starts a new segment rather than append to the last one:
 * a line torn by a crash mid-append is then the end of an old segment, where it is ignored.
 * Segments whose events are all delivered are deleted once the cursor saying so is durable.
 */

export const CURSOR_FILE = 'cursor.json';
const SEGMENT_NAME = /^(\d{16})\.jsonl$/;
/** Segments roll over past this size, so a delivered one can be deleted while the queue is busy. */
const SEGMENT_BYTES = 4 * 1024 * 1024;
/** Bytes read from a segment at a time when the endpoint is behind (it is fed from memory when not). */
const READ_BYTES = 1024 * 1024;
/** Events held in memory ahead of delivery; the rest stays on disk until the endpoint catches up. */
const READ_AHEAD = 1024;

export interface QueuedEvent {
  seq: number;
  event: RegistryEvent;
}

export interface EventQueueOptions {
  directory: string;
  log?: NotifierLog | undefined;
  /** For tests: a smaller roll-over size. */
  segmentBytes?: number;
}

interface Segment {
  path: string;
  firstSeq: number;
  lastSeq: number;
  /** Bytes committed (written and fsynced); always the end of a whole line. */
  bytes: number;
}

interface Batch {
  entries: QueuedEvent[];
  lines: string[];
  done: Promise<void>;
  resolve: () => void;
  reject: (err: Error) => void;
}

export class EventQueue {
  private readonly directory: string;
  private readonly log: NotifierLog | undefined;
  private readonly segmentBytes: number;
  private segments: Segment[] = [];
  private active: { segment: Segment; handle: FileHandle } | undefined;
  private lastSeq = 0;
  private deliveredSeq = 0;
  private commits = 0;
  private reading = true;
  private undelivered = 0;
  private batch: Batch | undefined;
  private flushing: Promise<void> | undefined;
  private cursorDirty = false;
  private cursorWriting: Promise<void> | undefined;
  // The reader: the segment (by first seq) and byte offset read up to, and what was read but not yet delivered.
  private readFirst = 0;
  private readOffset = 0;
  private readonly ahead: QueuedEvent[] = [];
  private filling = false;
  private wake: (() => void) | undefined;
  private closed = false;

  constructor(options: EventQueueOptions) {
    this.directory = options.directory;
    this.log = options.log;
    this.segmentBytes = options.segmentBytes ?? SEGMENT_BYTES;
  }

  /** Events queued and not yet delivered (those being written included). */
  get pending(): number {
    return this.undelivered;
  }

  /** Writes (each with its fsync) made so far: fewer than appends under load, as they are grouped. */
  get writes(): number {
    return this.commits;
  }

  /** Reads what a previous process left: the cursor, then every segment, to count what is undelivered. */
  async open(): Promise<void> {
    await this.disk(this.directory, () => mkdir(this.directory, { recursive: true }));
    const names = await this.disk(this.directory, () => readdir(this.directory));
    for (const name of names.filter((n) => n.startsWith(TEMP_PREFIX))) await unlink(join(this.directory, name)).catch(() => undefined);
    this.deliveredSeq = await this.readCursor();
    this.lastSeq = this.deliveredSeq;
    const segmentNames = names.filter((n) => SEGMENT_NAME.test(n)).sort();
    for (const name of segmentNames) {
      const path = join(this.directory, name);
      const bytes = await this.disk(path, () => readFile(path));
      const end = bytes.lastIndexOf(0x0a) + 1;
      if (end < bytes.length) this.log?.warn({ path, bytes: bytes.length - end }, 'notification queue: ignoring a line torn by a crash');
      let lastSeq = 0;
      for (const line of bytes.toString('utf8', 0, end).split('\n')) {
        const seq = parseLine(line)?.seq;
        if (seq === undefined) continue;
        lastSeq = seq;
        if (seq > this.deliveredSeq) this.undelivered++;
      }
      const firstSeq = Number(SEGMENT_NAME.exec(name)![1]);
      if (lastSeq === 0 || lastSeq <= this.deliveredSeq) {
        await this.disk(path, () => unlink(path));
        continue;
      }
      this.segments.push({ path, firstSeq, lastSeq, bytes: end });
      this.lastSeq = Math.max(this.lastSeq, lastSeq);
    }
  }

  /**
   * Queues an event (`json` is its JSON text, made once for every endpoint); resolves once it is
   * on disk, with every event appended while the previous write was in flight.
   */
  append(event: RegistryEvent, json: string): Promise<void> {
    if (this.closed) return Promise.reject(new StowageError('INTERNAL', `notification queue ${this.directory} is closed`));
    const seq = ++this.lastSeq;
    this.undelivered++;
    const batch = (this.batch ??= newBatch());
    batch.entries.push({ seq, event });
    batch.lines.push(`{"seq":${seq},"event":${json}}\n`);
    this.flushing ??= this.flushAll();
    return batch.done;
  }

  /** The oldest undelivered event, once there is one on disk; undefined once stopReading() was called. */
  async head(): Promise<QueuedEvent | undefined> {
    while (this.reading) {
      const commits = this.commits;
      if (this.ahead.length === 0) await this.fill();
      const first = this.ahead[0];
      if (first) return first;
      // A write that finished while the read was on disk: look again rather than wait for the next one.
      if (commits !== this.commits) continue;
      if (!this.reading) break;
      await new Promise<void>((resolve) => (this.wake = resolve));
    }
    return undefined;
  }

  /** head() returns undefined from now on (the delivery loop is stopping); appends go on. */
  stopReading(): void {
    this.reading = false;
    this.wake?.();
  }

  /** The head event was delivered: it leaves the queue, and the cursor is written in the background. */
  markDelivered(seq: number): void {
    const first = this.ahead[0];
    if (!first || first.seq !== seq) throw new StowageError('INTERNAL', `notification queue: ${seq} is not the oldest undelivered event`);
    this.ahead.shift();
    this.deliveredSeq = seq;
    this.undelivered--;
    this.saveCursor();
  }

  /** Waits for writes in flight and the cursor, and closes the segment; what is undelivered stays for the next open. */
  async close(): Promise<void> {
    this.closed = true;
    this.stopReading();
    await this.flushing;
    await this.cursorWriting;
    const active = this.active;
    this.active = undefined;
    await active?.handle.close();
  }

  private async flushAll(): Promise<void> {
    while (this.batch) {
      const batch = this.batch;
      this.batch = undefined;
      try {
        await this.write(batch);
        batch.resolve();
      } catch (err) {
        this.undelivered -= batch.entries.length;
        batch.reject(err as Error);
      }
    }
    this.flushing = undefined;
  }

  private async write(batch: Batch): Promise<void> {
    const firstSeq = batch.entries[0]!.seq;
    let created = false;
    if (!this.active || this.active.segment.bytes >= this.segmentBytes) {
      await this.active?.handle.close();
      this.active = undefined;
      const path = join(this.directory, `${String(firstSeq).padStart(16, '0')}.jsonl`);
      const handle = await this.disk(path, () => open(path, 'a'));
      this.active = { segment: { path, firstSeq, lastSeq: firstSeq - 1, bytes: 0 }, handle };
      created = true;
    }
    const { segment, handle } = this.active;
    const bytes = Buffer.from(batch.lines.join(''), 'utf8');
    try {
      await this.disk(segment.path, async () => {
        let done = 0;
        while (done < bytes.length) done += (await handle.write(bytes, done, bytes.length - done)).bytesWritten;
        await handle.sync();
      });
      // A new file's name is durable only once its directory is.
      if (created) await this.disk(this.directory, () => syncDirectory(this.directory));
    } catch (err) {
      // What went down of a failed write must not stay under a later line: cut it, and start a new
      // segment next time. (Should the cut fail too, the next process reads those lines as events:
      // ones whose publish was told it failed, sent anyway, which at least once allows.)
      await handle.truncate(segment.bytes).catch(() => undefined);
      await handle.close().catch(() => undefined);
      this.active = undefined;
      if (segment.bytes === 0) await unlink(segment.path).catch(() => undefined);
      throw err;
    }
    if (created) this.segments.push(segment);
    const before = segment.bytes;
    segment.bytes += bytes.length;
    segment.lastSeq = batch.entries[batch.entries.length - 1]!.seq;
    this.commits++;
    // The reader is at the end of this segment: hand it the events without reading them back.
    if (!this.filling && this.ahead.length < READ_AHEAD && this.readFirst === segment.firstSeq && this.readOffset === before) {
      this.ahead.push(...batch.entries);
      this.readOffset = segment.bytes;
    }
    this.wake?.();
  }

  /** Reads the next events from disk into `ahead`, skipping what the cursor says was delivered. */
  private async fill(): Promise<void> {
    this.filling = true;
    try {
      while (this.ahead.length === 0 && this.reading) {
        const segment = this.segments.find((s) => s.firstSeq === this.readFirst);
        if (!segment || this.readOffset >= segment.bytes) {
          const next = this.segments.find((s) => s.firstSeq > this.readFirst);
          if (!next) return;
          this.readFirst = next.firstSeq;
          this.readOffset = 0;
          continue;
        }
        const { text, bytes } = await this.readChunk(segment);
        this.readOffset += bytes;
        for (const line of text.split('\n')) {
          if (line === '') continue;
          const entry = parseLine(line);
          if (!entry) this.log?.warn({ path: segment.path }, 'notification queue: skipping a line that is not an event');
          else if (entry.seq > this.deliveredSeq) this.ahead.push(entry);
        }
      }
    } finally {
      this.filling = false;
    }
  }

  /**
   * Whole lines from the reader's offset: about READ_BYTES, more when one line is longer. Bytes
   * with no line end up to the committed end (a segment damaged by something else) come back
   * as one line, which is not an event and is skipped: the queue goes on past it.
   */
  private async readChunk(segment: Segment): Promise<{ text: string; bytes: number }> {
    return this.disk(segment.path, async () => {
      const handle = await open(segment.path, 'r');
      try {
        const rest = segment.bytes - this.readOffset;
        let length = Math.min(READ_BYTES, rest);
        for (;;) {
          const buffer = Buffer.alloc(length);
          const { bytesRead } = await handle.read(buffer, 0, length, this.readOffset);
          const end = bytesRead === 0 ? 0 : buffer.lastIndexOf(0x0a, bytesRead - 1) + 1;
          if (end > 0) return { text: buffer.toString('utf8', 0, end), bytes: end };
          if (length >= rest) return { text: buffer.toString('utf8', 0, bytesRead), bytes: rest };
          length = rest;
        }
      } finally {
        await handle.close();
      }
    });
  }

  private saveCursor(): void {
    this.cursorDirty = true;
    this.cursorWriting ??= this.writeCursors();
  }

  private async writeCursors(): Promise<void> {
    const path = join(this.directory, CURSOR_FILE);
    while (this.cursorDirty) {
      this.cursorDirty = false;
      const delivered = this.deliveredSeq;
      try {
        await this.disk(path, () => writeFileAtomic(path, Buffer.from(`{"delivered":${delivered}}\n`)));
        await this.dropDelivered(delivered);
      } catch (err) {
        // The next delivery writes it again; until then a restart sends a few events twice.
        this.log?.error({ err }, 'notification queue: could not save what was delivered');
      }
    }
    this.cursorWriting = undefined;
  }

  /** Deletes segments every event of which the durable cursor covers (never the one being appended to). */
  private async dropDelivered(delivered: number): Promise<void> {
    const done = this.segments.filter((s) => s.lastSeq <= delivered && s !== this.active?.segment);
    if (done.length === 0) return;
    this.segments = this.segments.filter((s) => !done.includes(s));
    for (const segment of done) await this.disk(segment.path, () => unlink(segment.path));
  }

  private async readCursor(): Promise<number> {
    const path = join(this.directory, CURSOR_FILE);
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return 0;
      throw diskError(path, err);
    }
    const delivered = (tryJson(text) as { delivered?: unknown } | undefined)?.delivered;
    if (typeof delivered === 'number' && Number.isSafeInteger(delivered) && delivered >= 0) return delivered;
    // Sending everything again is the at-least-once side of not knowing.
    this.log?.warn({ path }, 'notification queue: the cursor is unreadable; every queued event will be sent again');
    return 0;
  }

  private async disk<T>(path: string, action: () => Promise<T>): Promise<T> {
    try {
      return await action();
    } catch (err) {
      throw diskError(path, err);
    }
  }
}

function newBatch(): Batch {
  let resolve!: () => void;
  let reject!: (err: Error) => void;
  const done = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  // Rejections reach the callers who await; a caller who does not must not crash the process.
  done.catch(() => undefined);
  return { entries: [], lines: [], done, resolve, reject };
}

function diskError(path: string, err: unknown): StowageError {
  if (err instanceof StowageError) return err;
  const code = isSystemError(err) ? err.code! : undefined;
  const words = (code && errnoWords(code)) ?? (err as Error).message;
  return new StowageError(code === 'ENOSPC' || code === 'EDQUOT' ? 'STORAGE_FULL' : 'INTERNAL', `notification queue ${path}: ${words}`, err);
}

function parseLine(line: string): QueuedEvent | undefined {
  const value = tryJson(line) as Partial<QueuedEvent> | undefined;
  if (!value || !Number.isSafeInteger(value.seq) || typeof value.event !== 'object' || value.event === null) return undefined;
  return { seq: value.seq!, event: value.event };
}

function tryJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
