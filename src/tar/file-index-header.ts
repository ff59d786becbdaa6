import { StowageError } from '../errors/error.js';
import { BLOCK, decodeHeaderBlock, isZeroBlock } from './header.js';
import { parsePaxRecords as parseRecords, parsePaxInteger } from './pax.js';
import { TarFormatError } from './types.js';

/**
 * One tar header block for file-index.ts, through src/tar's decoder (the one tar parser of the
 * project): only what locating members needs, name, type, size, link name.
 */

export { BLOCK };

export interface TarHeader {
  name: string;
  /** The typeflag character ('0', '\0', '5', 'x', 'L', ...). */
  type: string;
  size: number;
  linkname: string;
}

/** The header at `offset`, or undefined for a zero block (end of archive). */
export function parseTarHeader(block: Buffer, file: string, offset: number): TarHeader | undefined {
  if (isZeroBlock(block)) return undefined;
  try {
    const raw = decodeHeaderBlock(block);
    return { name: raw.name, type: raw.typeflag, size: raw.size, linkname: raw.linkname };
  } catch (err) {
    throw invalid(err, `${file} is not a tar archive (at offset ${offset})`);
  }
}

/** Records of a pax extended header that locating members needs (POSIX pax, "pax Header Block"). */
export function parsePaxRecords(data: Buffer, file: string): { path?: string; linkpath?: string; size?: number } {
  const out: { path?: string; linkpath?: string; size?: number } = {};
  try {
    const records = parseRecords(data);
    const path = records.get('path');
    const linkpath = records.get('linkpath');
    const size = records.get('size');
    if (path !== undefined) out.path = path.toString('utf8');
    if (linkpath !== undefined) out.linkpath = linkpath.toString('utf8');
    if (size !== undefined) out.size = parsePaxInteger('size', size);
  } catch (err) {
    throw invalid(err, file);
  }
  return out;
}

function invalid(err: unknown, context: string): unknown {
  if (!(err instanceof TarFormatError)) return err;
  return new StowageError('MANIFEST_INVALID', `${context}: ${err.message}`);
}
