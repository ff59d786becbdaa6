// An image's flattened root filesystem (what `docker export` gives for a fresh container): the
// layers applied bottom-up into a directory, or the same tree streamed as one tar.

import { availableParallelism, tmpdir } from 'node:os';
import { Readable, type Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { packTar, type PackEntry, type TarHeaderInput } from '../../tar/index.js';
import { boundedMtime } from './attributes.js';
import { applyLayer, emptyApplyResult, type ApplyOptions, type ApplyResult } from './apply-layer.js';
import { decompressLayer } from './decompress.js';
import { LayerSpool } from './layer-spool.js';
import { createLimiter } from '../../transport/limiter.js';
import { MergedView, type Emission, type ExportPlan } from './merged-view.js';
import type { TarHeader } from './tar-entries.js';

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
 * The merged tree as one tar: every layer is inflated once, side by side (one per core), into an
 * unlinked spool file in `spoolDir` (the image's uncompressed size, for the length of the export)
 * with its headers kept; the merged view (MergedView) is computed from the headers top-down;
 * then the directories are written, and each layer's surviving entries copied from its spool,
 * bottom-up. Memory grows with the number of entries, never with file sizes. The output is not
 * ended on failure: it is destroyed.
 */
export async function exportToTar(layers: LayerSource[], output: Writable, options: { spoolDir?: string } = {}): Promise<{ entries: number; bytes: number }> {
  const dir = options.spoolDir ?? tmpdir();
  const limit = createLimiter(Math.max(1, Math.min(layers.length, availableParallelism())));
  const spools: LayerSpool[] = [];
  try {
    // Settled, not raced: a failing layer must not leave others filling spools nobody closes.
    const filled = await Promise.allSettled(
      layers.map((open, i) =>
        limit(async () => {
          spools[i] = await LayerSpool.fill(await open(), dir);
        }),
      ),
    );
    for (const result of filled) if (result.status === 'rejected') throw result.reason;
    const plan = planOf(spools);
    const counts = { entries: 0, bytes: 0 };
    async function* merged(): AsyncGenerator<PackEntry> {
      for (const { path, header } of plan.directories) {
        counts.entries++;
        yield { header: outputHeader(header, { name: path }) };
      }
      for (let layer = 0; layer < spools.length; layer++) {
        const wanted = plan.entries.get(layer);
        const spool = spools[layer] as LayerSpool;
        if (wanted === undefined) continue;
        const reader = spool.reader();
        for (const ordinal of [...wanted.keys()].sort((a, b) => a - b)) {
          const header = outputHeader(spool.headers[ordinal] as TarHeader, wanted.get(ordinal) as Emission);
          counts.entries++;
          counts.bytes += header.size ?? 0;
          yield header.size ? { header, data: spool.data(ordinal, reader) } : { header };
        }
      }
    }
    // The output sets the pace: packTar pulls an entry's data only as fast as it is written.
    await pipeline(Readable.from(packTar(merged())), output);
    return counts;
  } finally {
    await Promise.all(spools.map((spool) => spool?.close().catch(() => undefined)));
  }
}

/** The merged view of the spooled layers' headers, fed top-down as MergedView requires. */
function planOf(spools: LayerSpool[]): ExportPlan {
  const view = new MergedView();
  for (let layer = spools.length - 1; layer >= 0; layer--) {
    view.startLayer(layer);
    for (const header of (spools[layer] as LayerSpool).headers) view.add(header);
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
