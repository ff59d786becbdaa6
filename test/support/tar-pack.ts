// Tars for tests, through tar-stream: layer tars, archives, crafted members. One packer for
// every fixture (transport, store, unpack, tar-split tests); tar-stream writes PAX headers
// for long names and link targets itself.

import tar from 'tar-stream';

export interface TarMember {
  name: string;
  type?: 'file' | 'directory' | 'symlink' | 'link' | 'fifo';
  data?: Buffer | string;
  linkname?: string;
  /** Default 0755 for directories, 0644 otherwise. */
  mode?: number;
  /** Extra PAX records for this member. */
  pax?: Record<string, string>;
}

/** An uncompressed tar of the members, in order; every mtime is `options.mtime` (default the epoch). */
export async function packTar(members: TarMember[], options: { mtime?: Date } = {}): Promise<Buffer> {
  const pack = tar.pack();
  const chunks: Buffer[] = [];
  const collected = (async () => {
    for await (const chunk of pack) chunks.push(Buffer.from(chunk as Uint8Array));
  })();
  for (const m of members) {
    const type = m.type ?? 'file';
    await new Promise<void>((resolve, reject) => {
      const header = {
        name: m.name,
        type,
        mode: m.mode ?? (type === 'directory' ? 0o755 : 0o644),
        mtime: options.mtime ?? new Date(0),
        ...(m.linkname !== undefined ? { linkname: m.linkname } : {}),
        ...(m.pax !== undefined ? { pax: m.pax } : {}),
      };
      const done = (err?: Error | null): void => (err ? reject(err) : resolve());
      if (type === 'file') {
        const data = typeof m.data === 'string' ? Buffer.from(m.data) : (m.data ?? Buffer.alloc(0));
        pack.entry({ ...header, size: data.length }, data, done);
      } else pack.entry(header, done);
    });
  }
  pack.finalize();
  await collected;
  return Buffer.concat(chunks);
}
