// An image's flattened root filesystem (what `docker export` gives for a fresh container): the
// layers applied bottom-up into a directory, or the same tree streamed as one tar.

import { once } from 'node:events';
import type { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import tarStream from 'tar-stream';
import type { Header, Pack } from 'tar-stream';
import { StowageError } from '../../errors/error.js';
import { applyLayer, emptyApplyResult, type ApplyOptions, type ApplyResult } from './apply-layer.js';
import { decompressLayer } from './decompress.js';
import { MergedView, type Emission } from './merged-view.js';
import { drain, readTarEntries, type TarEntry, type TarHeader } from './tar-entries.js';

/** Opens one layer blob (compressed or not), bottom layer first in the arrays below. */
export type LayerSource = () => Promise<Readable>;

/** The layers applied bottom-up to `target` (whiteouts applied, opaque directories honoured). */
export async function exportToDirectory(layers: LayerSource[], target: string, options: ApplyOptions = {}): Promise<ApplyResult> {
  const total = emptyApplyResult();
  for (const open of layers) {
    const result = await applyLayer(decompressLayer(await open()), target, options);
    total.files += result.files;
    total.directories += result.directories;
    total.symlinks += result.symlinks;
    total.hardlinks += result.hardlinks;
    total.whiteouts += result.whiteouts;
    total.bytes += result.bytes;
    total.skipped.push(...result.skipped);
  }
  return total;
}

/**
 * The merged tree as one tar, never written to disk: every layer's headers are read top-down
 * to compute the merged view (MergedView), then the directories are written, then each layer is
 * read again bottom-up and the surviving entries copied with their data. Each layer is read twice;
 * nothing is buffered beyond one chunk. The output is not ended on failure: it is destroyed.
 */
export async function exportToTar(layers: LayerSource[], output: Writable): Promise<{ entries: number; bytes: number }> {
  const view = new MergedView();
  for (let layer = layers.length - 1; layer >= 0; layer--) {
    view.startLayer(layer);
    for await (const entry of readTarEntries(decompressLayer(await (layers[layer] as LayerSource)()))) {
      view.add(entry.header as TarHeader);
      await drain(entry);
    }
    view.endLayer();
  }
  const plan = view.plan();

  const pack = tarStream.pack();
  const writing = pipeline(pack, output);
  writing.catch(() => undefined); // awaited below; a failure also surfaces through the pack
  let entries = 0;
  let bytes = 0;
  try {
    for (const { path, header } of plan.directories) {
      await packEntry(pack, outputHeader(header, { name: path }), null);
      entries++;
    }
    for (let layer = 0; layer < layers.length; layer++) {
      const wanted = plan.entries.get(layer);
      if (wanted === undefined) continue;
      let remaining = wanted.size;
      let ordinal = 0;
      for await (const entry of readTarEntries(decompressLayer(await (layers[layer] as LayerSource)()))) {
        const emission = wanted.get(ordinal++);
        if (emission !== undefined) {
          bytes += await packEntry(pack, outputHeader(entry.header as TarHeader, emission), emission.hardlink === undefined ? entry : null);
          entries++;
          remaining--;
        }
        await drain(entry);
        if (remaining === 0) break; // the rest of this layer contributes nothing
      }
      if (remaining !== 0) throw new StowageError('LAYER_INVALID', `layer ${layer} changed between its two reads`);
    }
    pack.finalize();
    await writing;
  } catch (err) {
    pack.destroy(err as Error);
    output.destroy(err as Error);
    throw err;
  }
  return { entries, bytes };
}

/** The header to write: the layer's attributes under the merged name (and hard link target). */
function outputHeader(header: TarHeader, emission: Emission): Header {
  const type = emission.hardlink !== undefined ? 'link' : (header.type as Header['type']);
  return {
    // Directories with a trailing slash, as `docker export` and tar(1) write them.
    name: type === 'directory' ? `${emission.name}/` : emission.name,
    type,
    size: type === 'file' || type === 'contiguous-file' ? header.size : 0,
    mode: header.mode,
    mtime: header.mtime,
    uid: header.uid,
    gid: header.gid,
    uname: header.uname,
    gname: header.gname,
    devmajor: header.devmajor,
    devminor: header.devminor,
    linkname: emission.hardlink ?? (type === 'symlink' ? (header.linkname ?? '') : ''),
  };
}

/** Writes one entry, streaming `data` into it with backpressure. Returns the data bytes. */
async function packEntry(pack: Pack, header: Header, data: TarEntry | null): Promise<number> {
  let bytes = 0;
  const done = new Promise<void>((resolve, reject) => {
    const sink = pack.entry(header, (err) => (err ? reject(err) : resolve()));
    if (data === null || header.size === 0) {
      if (header.type === 'file' || header.type === 'contiguous-file') sink.end(undefined);
      return;
    }
    void (async () => {
      for await (const chunk of data) {
        bytes += (chunk as Buffer).length;
        if (!sink.write(chunk as Buffer)) await once(sink as unknown as NodeJS.EventEmitter, 'drain');
      }
      sink.end(undefined);
    })().catch(reject);
  });
  await done;
  return bytes;
}
