// Tar archives for the transport tests: whole archives through tar-stream, and hand-made
// header blocks for the variants tar-stream does not write (GNU long names, base-256 sizes).

export { packTar, type TarMember } from '../../support/tar-pack.js';

/** One 512-byte header block, checksummed. `size` may be given as raw field bytes (base-256). */
export function rawHeader(options: { name: string; size: number | Buffer; type: string; linkname?: string; magic?: 'ustar' | 'gnu'; prefix?: string }): Buffer {
  const block = Buffer.alloc(512);
  block.write(options.name, 0, 100, 'utf8');
  block.write('0000644\0', 100, 'latin1');
  block.write('0000000\0', 108, 'latin1');
  block.write('0000000\0', 116, 'latin1');
  if (typeof options.size === 'number') block.write(`${options.size.toString(8).padStart(11, '0')}\0`, 124, 'latin1');
  else options.size.copy(block, 124, 0, 12);
  block.write('00000000000\0', 136, 'latin1');
  block.write(options.type, 156, 'latin1');
  if (options.linkname) block.write(options.linkname, 157, 100, 'utf8');
  block.write(options.magic === 'gnu' ? 'ustar  \0' : 'ustar\x0000', 257, 'latin1');
  if (options.prefix) block.write(options.prefix, 345, 155, 'utf8');
  block.fill(0x20, 148, 156);
  let sum = 0;
  for (const b of block) sum += b;
  block.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'latin1');
  return block;
}

/** Data padded to whole 512-byte blocks. */
export function blocks(data: Buffer): Buffer {
  const padding = (512 - (data.length % 512)) % 512;
  return Buffer.concat([data, Buffer.alloc(padding)]);
}

export const END_OF_ARCHIVE = Buffer.alloc(1024);
