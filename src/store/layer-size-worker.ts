// The thread that measures layers for LayerSizeMeter (layer-sizes.ts). Measuring is gunzip plus
// a tar walk of every byte pulled or loaded: on the main thread its stream and GC work ran in
// series with the download and doubled a pull of a 173 MB image (1.1 s → 1.9 s); here it runs
// beside it. One thread serves every meter of a process; messages carry a job id.

import { PassThrough } from 'node:stream';
import { parentPort, type MessagePort } from 'node:worker_threads';
import { isStowageError } from '../errors/error.js';
import { unpackedSize } from './layer-size.js';
import { decompressLayer } from './unpack/decompress.js';

/** main → worker: a job's next bytes, its end, or its abandonment. */
export type MeterRequest = { id: number; chunk: Uint8Array } | { id: number; end: true } | { id: number; abort: true };
/** worker → main: bytes taken (for backpressure), or the job's outcome. */
export type MeterReply = { id: number; taken: number } | { id: number; size: number } | { id: number; invalid: true } | { id: number; failed: true };

if (!parentPort) throw new Error('layer-size-worker runs as a worker thread');
const port: MessagePort = parentPort;
const jobs = new Map<number, PassThrough>();
/** Jobs whose walker is done while the meter may still send bytes; forgotten at its end/abort. */
const finished = new Set<number>();

port.on('message', (message: MeterRequest) => {
  if (finished.has(message.id)) {
    if (!('chunk' in message)) finished.delete(message.id);
    return;
  }
  if ('abort' in message) {
    jobs.get(message.id)?.destroy();
    jobs.delete(message.id);
    return;
  }
  const input = jobs.get(message.id) ?? start(message.id);
  if ('end' in message) {
    input.end();
    return;
  }
  const { chunk } = message;
  input.write(Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength), () =>
    port.postMessage({ id: message.id, taken: chunk.byteLength } satisfies MeterReply),
  );
});

function start(id: number): PassThrough {
  const input = new PassThrough({ highWaterMark: 4 * 1024 * 1024 });
  input.on('error', () => undefined);
  jobs.set(id, input);
  const reply = (outcome: MeterReply): void => {
    // The walker is done (at the tar's end, or failing) and reads no more. Bytes the meter sends
    // after this are dropped until its end or abort, unless it has already ended.
    jobs.delete(id);
    if (!input.writableEnded) finished.add(id);
    input.destroy();
    port.postMessage(outcome);
  };
  unpackedSize(decompressLayer(input)).then(
    (size) => reply({ id, size }),
    (err: unknown) => reply(isStowageError(err, 'LAYER_INVALID') ? { id, invalid: true } : { id, failed: true }),
  );
  return input;
}
