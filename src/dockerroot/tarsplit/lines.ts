// tar-split's metadata is newline-delimited JSON (tar/storage/packer.go, jsonPacker: one
// json.Encoder.Encode per entry). Layers of gigabytes have tar-split files of megabytes, so
// lines are cut from the stream as they come, never from the whole file in memory.

import { StowageError } from '../../errors/error.js';

/**
 * One line per yield, without its newline; a last line without one is yielded too. A line
 * longer than `limit` bytes fails: tar-split's longest lines are padding segments of 1 MiB
 * (base64: 1.4 MB), so a far longer one is damage or an attack on memory.
 */
export async function* splitLines(chunks: AsyncIterable<Buffer>, limit: number, label: string): AsyncGenerator<Buffer> {
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  for await (const chunk of chunks) {
    let start = 0;
    for (let newline = chunk.indexOf(0x0a); newline !== -1; newline = chunk.indexOf(0x0a, start)) {
      const piece = chunk.subarray(start, newline);
      checkLength(pendingBytes + piece.length, limit, label);
      yield pendingBytes === 0 ? piece : Buffer.concat([...pending, piece]);
      pending = [];
      pendingBytes = 0;
      start = newline + 1;
    }
    if (start < chunk.length) {
      const rest = chunk.subarray(start);
      pendingBytes += rest.length;
      checkLength(pendingBytes, limit, label);
      pending.push(rest);
    }
  }
  if (pendingBytes > 0) yield Buffer.concat(pending);
}

function checkLength(length: number, limit: number, label: string): void {
  if (length > limit) {
    throw new StowageError('LAYER_INVALID', `${label}: tar-split has a line longer than ${limit} bytes; not a tar-split file`);
  }
}
