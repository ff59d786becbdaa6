import { Readable } from 'node:stream';

/**
 * The first `length` bytes of a stream (fewer when it ends sooner), and the whole stream again,
 * those bytes first: what decides a compression is read without losing it. Destroying the
 * returned stream destroys `source`.
 */
export async function peek(source: Readable, length: number): Promise<{ head: Buffer; stream: Readable }> {
  const { head, ended } = await readHead(source, length);
  const stream = ended ? Readable.from(head.length > 0 ? [head] : []) : prepend(head, source);
  return { head, stream };
}

function readHead(source: Readable, length: number): Promise<{ head: Buffer; ended: boolean }> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let read = 0;
    const cleanup = (): void => {
      source.off('readable', onReadable);
      source.off('end', onEnd);
      source.off('error', onError);
    };
    const onReadable = (): void => {
      let chunk: unknown;
      while ((chunk = source.read()) !== null) {
        const buffer = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as Uint8Array);
        chunks.push(buffer);
        read += buffer.length;
        if (read >= length) {
          cleanup();
          resolve({ head: Buffer.concat(chunks), ended: false });
          return;
        }
      }
    };
    const onEnd = (): void => {
      cleanup();
      resolve({ head: Buffer.concat(chunks), ended: true });
    };
    const onError = (err: Error): void => {
      cleanup();
      reject(err);
    };
    source.on('readable', onReadable);
    source.on('end', onEnd);
    source.on('error', onError);
  });
}

/** The peeked bytes, then the rest of the source, as one stream. */
function prepend(head: Buffer, source: Readable): Readable {
  return Readable.from(
    (async function* () {
      yield head;
      yield* source;
    })(),
    { objectMode: false },
  );
}
