import { hostname } from 'node:os';
import { Writable } from 'node:stream';
import { writeSync } from 'node:fs';

/** distribution's `log.formatter` values. */
export const LOG_FORMATTERS = ['text', 'json', 'logstash'] as const;
export type LogFormatter = (typeof LOG_FORMATTERS)[number];

/** Anything lines can be written to: a stream, pino's destination. */
export interface LogSink {
  write(line: string): unknown;
}

export interface ServerLogSettings {
  level: string;
  formatter: LogFormatter;
  /** distribution's log.fields: added to every line. */
  fields?: Record<string, unknown>;
  /** Where the lines go (stderr for `stowage serve`, as logrus writes). */
  stream: LogSink;
}

/** At most this long, or this much, between a line and its write. */
const FLUSH_MS = 20;
const FLUSH_BYTES = 64 * 1024;

/**
 * The process's stderr, for a line per request. Lines logged within 20 ms (or 64 KiB) are
 * joined and written with one write(2), on this thread. Not pino's asynchronous
 * destination: its writes go through libuv's thread pool, the four threads every file read
 * and stat of the registry queues on (a manifest GET is bound by them, bench/README.md scenario
 * 19), and not a write(2) per line either. A quiet server's line appears within 20 ms;
 * `flushSync()` before the process exits (cli/serve.ts) loses nothing.
 * Hand-written: sonic-boom's synchronous mode writes each line, or waits for `minLength`.
 */
export class BatchedStderr implements LogSink {
  private pending: string[] = [];
  private bytes = 0;

  private timer: NodeJS.Timeout | undefined;

  write(line: string): void {
    this.pending.push(line);
    this.bytes += line.length;
    if (this.bytes >= FLUSH_BYTES) this.flushSync();
    else this.timer ??= setTimeout(() => this.flushSync(), FLUSH_MS);
  }

  flushSync(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.bytes = 0;
    if (this.pending.length === 0) return;
    const text = this.pending.join('');
    this.pending = [];
    let buffer = Buffer.from(text, 'utf8');
    while (buffer.length > 0) {
      try {
        buffer = buffer.subarray(writeSync(2, buffer));
      } catch (err) {
        // A non-blocking pipe that is full: wait for it rather than drop the log.
        if ((err as NodeJS.ErrnoException).code !== 'EAGAIN') return;
      }
    }
  }
}

export function stderrDestination(): BatchedStderr {
  return new BatchedStderr();
}

/**
 * pino options that write distribution's log lines: logrus's JSON (`level` as a word, `time`
 * in RFC 3339, `msg`), its text format (`time="…" level=info msg="…" key=value`, what
 * registry:2 prints by default), or logstash's JSON (`@timestamp`, `@version`, `message`).
 * pino writes JSON; the two other formats are that line rewritten on its way out.
 */
export function serverLogger(settings: ServerLogSettings): Record<string, unknown> {
  const json = settings.formatter === 'json';
  return {
    level: settings.level,
    formatters: { level: (label: string) => ({ level: label }) },
    timestamp: isoTime,
    // pino's `base` replaces its default fields: they are kept, the configured ones added.
    base: { pid: process.pid, hostname: hostname(), ...settings.fields },
    stream: json ? settings.stream : rewriting(settings.stream, settings.formatter === 'text' ? textLine : logstashLine),
  };
}

let lastMs = 0;
let lastTime = '';

/** pino's `time` field, RFC 3339 to the millisecond; formatted once per millisecond (a line per request at thousands a second). */
function isoTime(): string {
  const now = Date.now();
  if (now !== lastMs) {
    lastMs = now;
    lastTime = `,"time":"${new Date(now).toISOString()}"`;
  }
  return lastTime;
}

/** A stream taking pino's JSON lines and writing each one rewritten. */
function rewriting(out: LogSink, rewrite: (entry: Record<string, unknown>) => string): Writable {
  return new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString('utf8').split('\n')) {
        if (line === '') continue;
        let entry: Record<string, unknown>;
        try {
          entry = JSON.parse(line) as Record<string, unknown>;
        } catch {
          out.write(`${line}\n`);
          continue;
        }
        out.write(`${rewrite(entry)}\n`);
      }
      done();
    },
  });
}

/** logrus's TextFormatter without a terminal: time, level, msg first, then the fields sorted. */
export function textLine(entry: Record<string, unknown>): string {
  const { time, level, msg, ...rest } = entry;
  const parts = [`time=${quote(time)}`, `level=${quote(level)}`, `msg=${quote(msg ?? '')}`];
  for (const key of Object.keys(rest).sort()) parts.push(...flatten(key, rest[key]));
  return parts.join(' ');
}

function flatten(key: string, value: unknown): string[] {
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    return Object.entries(value as Record<string, unknown>).flatMap(([k, v]) => flatten(`${key}.${k}`, v));
  }
  return [`${key}=${quote(value)}`];
}

/** As logrus quotes: bare when the value is made of plain characters, else a JSON string. */
function quote(value: unknown): string {
  const text = typeof value === 'string' ? value : value === undefined ? '' : typeof value === 'object' ? JSON.stringify(value) : String(value);
  return /^[A-Za-z0-9\-._/@^+:]+$/.test(text) ? text : JSON.stringify(text);
}

/** logstash's JSON event (logrus-logstash-hook, which distribution's `logstash` formatter is). */
export function logstashLine(entry: Record<string, unknown>): string {
  const { time, msg, ...rest } = entry;
  return JSON.stringify({ '@timestamp': time, '@version': '1', message: msg, ...rest });
}
