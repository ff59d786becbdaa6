// An image's flattened root filesystem (what `docker export` gives for a fresh container): the
// layers applied bottom-up into a directory, or the same tree streamed as one tar.

import { availableParallelism } from 'node:os';
import { Readable, type Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { packTar, type PackEntry, type TarHeaderInput } from '../../tar/index.js';
import { StowageError } from '../../errors/error.js';
import { boundedMtime } from './attributes.js';
import { applyLayer, emptyApplyResult, type ApplyOptions, type ApplyResult } from './apply-layer.js';
import { decompressLayer } from './decompress.js';
import { createLimiter } from '../../transport/limiter.js';
import { MergedView, type Emission, type ExportPlan } from './merged-view.js';
import { drain, readTarEntries, type TarHeader } from './tar-entries.js';

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
 * The merged tree as one tar, never written to disk: every layer's headers are read (side by
 * side) to compute the merged view (MergedView), then the directories are written, then each layer is
 * read again bottom-up and the surviving entries copied with their data. Each layer is read twice;
 * nothing is buffered beyond one chunk. The output is not ended on failure: it is destroyed.
 */
export async function exportToTar(layers: LayerSource[], output: Writable): Promise<{ entries: number; bytes: number }> {
  const plan = await planExport(layers);
  const counts = { entries: 0, bytes: 0 };

  async function* merged(): AsyncGenerator<PackEntry> {
    for (const { path, header } of plan.directories) {
      counts.entries++;
      yield { header: outputHeader(header, { name: path }) };
    }
    for (let layer = 0; layer < layers.length; layer++) {
      const wanted = plan.entries.get(layer);
      if (wanted === undefined) continue;
      let remaining = wanted.size;
      let ordinal = 0;
      for await (const entry of readTarEntries(decompressLayer(await (layers[layer] as LayerSource)()))) {
        const emission = wanted.get(ordinal++);
        if (emission !== undefined) {
          const header = outputHeader(entry.header, emission);
          counts.entries++;
          counts.bytes += header.size ?? 0;
          yield header.size ? { header, data: entry } : { header };
          remaining--;
        }
        if (remaining === 0) break; // the rest of this layer contributes nothing
      }
      if (remaining !== 0) throw new StowageError('LAYER_INVALID', `layer ${layer} changed between its two reads`);
    }
  }

  // The output sets the pace: packTar pulls an entry's data only as fast as it is written.
  await pipeline(Readable.from(packTar(merged())), output);
  return counts;
}

/**
 * The merged view needs every layer's headers top-down, but reading them is inflating each
 * layer whole, on one libuv thread per layer: the layers are read side by side (one per core),
 * their headers kept (not their data) and fed to the view in order. The output's pass stays
 * sequential, since it writes in layer order.
 */
async function planExport(layers: LayerSource[]): Promise<ExportPlan> {
  const limit = createLimiter(Math.max(1, Math.min(layers.length, availableParallelism())));
  const headers = await Promise.all(
    layers.map((open) =>
      limit(async () => {
        const list: TarHeader[] = [];
        for await (const entry of readTarEntries(decompressLayer(await open()))) {
          list.push(entry.header);
          await drain(entry);
        }
        return list;
      }),
    ),
  );
  const view = new MergedView();
  for (let layer = layers.length - 1; layer >= 0; layer--) {
    view.startLayer(layer);
    for (const header of headers[layer] as TarHeader[]) view.add(header);
    headers[layer] = [];
    view.endLayer();
  }
  return view.plan();
}

/** The header to write: the layer's attributes (xattrs included) under the merged name (and hard link target). */
function outputHeader(header: TarHeader, emission: Emission): TarHeaderInput {
  const type = emission.hardlink !== undefined ? 'link' : header.type;
  return {
    // Directories with a trailing slash, as `docker export` and tar(1) write them.
    name: type === 'directory' ? `${emission.name}/` : emission.name,
    type,
    typeflag: type === 'link' ? '1' : header.typeflag,
    size: type === 'file' || type === 'contiguous-file' ? header.size : 0,
    mode: header.mode,
    mtime: boundedMtime(header.mtime),
    uid: header.uid,
    gid: header.gid,
    uname: header.uname,
    gname: header.gname,
    devmajor: header.devmajor,
    devminor: header.devminor,
    linkname: emission.hardlink ?? (type === 'symlink' ? header.linkname : ''),
    xattrs: header.xattrs,
  };
}
