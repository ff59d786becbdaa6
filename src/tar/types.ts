// The shape of one tar entry as src/tar reads and writes it. Everything a POSIX pax, ustar, GNU
// or v7 header can say about an entry is kept, so an entry read and written again means the same.

/** A point in time as tar carries it: whole seconds (negative before 1970) and nanoseconds 0..999999999. */
export interface Timestamp {
  seconds: number;
  nanoseconds: number;
}

export type EntryType =
  | 'file'
  | 'link'
  | 'symlink'
  | 'character-device'
  | 'block-device'
  | 'directory'
  | 'fifo'
  | 'contiguous-file'
  /** A pax global header ('g'): its records are in `pax`; Go's archive/tar and GNU tar apply none to later entries, nor do we. */
  | 'pax-global-header';

export interface TarHeader {
  /** The entry's path (pax `path`, GNU long name or ustar prefix/name), undecodable bytes escaped (see text.ts). */
  name: string;
  /** null for a type flag we do not know ('S' sparse, 'V' volume, ...): see `typeflag`. */
  type: EntryType | null;
  /** The type flag byte as a character ('0', '\0', '5', 'S', ...). */
  typeflag: string;
  /** The mode field as written (some writers include the S_IFMT type bits). */
  mode: number;
  uid: number;
  gid: number;
  uname: string;
  gname: string;
  /** The entry's data length; always 0 for the header-only types (links, directories, devices, fifos). */
  size: number;
  mtime: Timestamp;
  atime?: Timestamp;
  ctime?: Timestamp;
  /** Link target (hard and symbolic links), '' otherwise. */
  linkname: string;
  devmajor: number;
  devminor: number;
  /** Extended attributes (pax `SCHILY.xattr.*`, or `LIBARCHIVE.xattr.*` on read), values as raw bytes. */
  xattrs: Map<string, Buffer>;
  /** Any other pax records (keys UTF-8, values raw bytes); for a global header, all its records. */
  pax: Map<string, Buffer>;
}

/** What a writer needs: a name, the rest defaulted (a regular file, mode 0644/0755, owner 0, the epoch). */
export type TarHeaderInput = Partial<Omit<TarHeader, 'mtime' | 'atime' | 'ctime'>> & {
  name: string;
  mtime?: Timestamp | Date;
  atime?: Timestamp | Date;
  ctime?: Timestamp | Date;
};

/** A tar that cannot be read (bad checksum, truncated, malformed pax record), or a header that cannot be written. */
export class TarFormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TarFormatError';
  }
}

/** Types whose entries never carry data, whatever the size field says (as Go's archive/tar reads them). */
export const HEADER_ONLY_TYPES: ReadonlySet<EntryType> = new Set(['link', 'symlink', 'character-device', 'block-device', 'directory', 'fifo']);

export function timestampFromDate(date: Date): Timestamp {
  const ms = date.getTime();
  const seconds = Math.floor(ms / 1000);
  return { seconds, nanoseconds: (ms - seconds * 1000) * 1_000_000 };
}

/** Seconds as a float, for fs.utimes (microsecond precision survives for dates near ours). */
export function timestampToSeconds(ts: Timestamp): number {
  return ts.seconds + ts.nanoseconds / 1e9;
}
