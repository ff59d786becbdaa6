// src/tar: reading and writing tar streams, PAX complete. Hand-written because no npm tar library
// keeps what container root filesystems carry: tar-stream 3 (headers.js decodePax) and node-tar 7
// (parse.js collects extended headers as a UTF-8 string; pax.js knows a fixed set of keywords)
// decode pax values as UTF-8, corrupting binary xattr values such as security.capability, and
// have no xattr support; tar-stream also applies only path/linkpath/size from pax and writes
// mtimes as a 32-bit octal (a 2100 mtime comes out negative); modern-tar decodes pax with a
// TextDecoder and knows no xattrs either. Docker (Go's archive/tar) keeps all of it.
export { BLOCK, decodeHeaderBlock, encodeHeaderBlock, isZeroBlock, type RawHeader } from './header.js';
export { completeHeader, encodeExtended, encodeHeader, END_OF_ARCHIVE, padding } from './encode.js';
export { parsePaxRecords, encodePaxRecords, parsePaxInteger, parsePaxTime, formatPaxTime } from './pax.js';
export { readTar, EXTENDED_HEADER_LIMIT, type TarEntry } from './reader.js';
export { packTar, packEntry, type PackEntry } from './writer.js';
export { decodeBytes, encodeText, hasEscapedBytes } from './text.js';
export * from './types.js';
