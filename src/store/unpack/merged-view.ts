// The flattened view of a layer stack, computed from headers alone (no data, nothing on disk) so
// that `exportToTar` can stream an image's root filesystem. Layers are read top-down: by the time
// a lower entry is seen, everything that could hide or replace it is already known (layer.md,
// "Whiteouts", "Opaque Whiteout", "Changeset over existing files"). Memory grows with the number
// of paths, never with file sizes. The same rules as `applyLayer`, stated over paths:
//  - an upper entry replaces a lower one at the same path (within a layer, the later one);
//  - `.wh.x` hides x and everything under it in the layers below (not in its own layer);
//  - `.wh..wh..opq` in d, and any non-directory at d, hide everything under d below;
//  - a path under a non-directory of the merged view does not exist (applyLayer refuses it).

import { ancestors, normaliseEntryPath } from './safe-path.js';
import type { TarHeader } from './tar-entries.js';
import { parseWhiteout } from './whiteouts.js';

interface Position {
  layer: number;
  ordinal: number;
}

interface Version extends Position {
  path: string;
  type: NonNullable<TarHeader['type']>;
  /** For a hard link, its normalised target; null when the target name is refused. */
  link: string | null;
}

interface Selected extends Version {
  /** Kept for directories only: they carry no data, so they are written from the plan. */
  header: TarHeader | null;
}

/** How a non-directory entry of a layer is written to the export. */
export interface Emission {
  name: string;
  /** Written as a hard link to this (earlier) name instead. */
  hardlink?: string;
}

export interface ExportPlan {
  /** The merged tree's directories, parents before children. */
  directories: Array<{ path: string; header: TarHeader }>;
  /** By layer, then by the entry's ordinal in that layer's tar: what to write for it. */
  entries: Map<number, Map<number, Emission>>;
}

const DATA_TYPES = new Set(['file', 'contiguous-file', 'character-device', 'block-device', 'fifo']);

export class MergedView {
  private readonly selected = new Map<string, Selected>();
  /** Non-directory entries of every layer, for resolving hard links to what they meant then. */
  private readonly versions = new Map<string, Version[]>();
  /** Hidden, with their descendants, in the layers below those read so far. */
  private readonly hiddenWithChildren = new Set<string>();
  /** Only the descendants hidden below: opaque directories and non-directories. */
  private readonly hiddenChildren = new Set<string>();
  private layer = Number.POSITIVE_INFINITY;
  private ordinal = 0;
  private layerWhiteouts: string[] = [];
  private layerHides: string[] = [];

  /** Layers must be added top first, each with every entry its tar yields, in order. */
  startLayer(layer: number): void {
    if (layer >= this.layer) throw new Error('MergedView: layers are added top-down');
    this.layer = layer;
    this.ordinal = 0;
    this.layerWhiteouts = [];
    this.layerHides = [];
  }

  add(header: TarHeader): void {
    const ordinal = this.ordinal++;
    let rel: string;
    let whiteout;
    try {
      rel = normaliseEntryPath(header.name);
      whiteout = parseWhiteout(rel);
    } catch {
      return; // refused names are dropped, as applyLayer skips them
    }
    if (whiteout?.kind === 'remove') this.layerWhiteouts.push(whiteout.path);
    if (whiteout?.kind === 'opaque') this.layerHides.push(whiteout.dir);
    if (whiteout !== null || rel === '' || header.type === null || header.type === 'pax-global-header') return;
    if (header.type === 'symlink' && !header.linkname) return;

    const version: Version = { layer: this.layer, ordinal, path: rel, type: header.type, link: null };
    if (header.type !== 'directory') {
      if (header.type === 'link') version.link = hardlinkTarget(header.linkname);
      const list = this.versions.get(rel) ?? [];
      list.push(version);
      this.versions.set(rel, list);
      this.layerHides.push(rel);
    }
    if (this.isHidden(rel)) return;
    const current = this.selected.get(rel);
    if (current !== undefined && current.layer > this.layer) return; // an upper layer replaced it
    this.selected.set(rel, { ...version, header: header.type === 'directory' ? header : null });
  }

  /** A layer's whiteouts and replacements take effect for the layers below it only. */
  endLayer(): void {
    for (const rel of this.layerWhiteouts) this.hiddenWithChildren.add(rel);
    for (const rel of this.layerHides) this.hiddenChildren.add(rel);
  }

  private isHidden(rel: string): boolean {
    if (this.hiddenWithChildren.has(rel) || this.hiddenChildren.has('')) return true;
    return ancestors(rel).some((dir) => this.hiddenWithChildren.has(dir) || this.hiddenChildren.has(dir));
  }

  plan(): ExportPlan {
    const kept = new Map<string, Selected>();
    for (const [rel, entry] of this.selected) {
      const underFile = ancestors(rel).some((dir) => {
        const parent = this.selected.get(dir);
        return parent !== undefined && parent.type !== 'directory';
      });
      if (!underFile) kept.set(rel, entry);
    }

    const directories: ExportPlan['directories'] = [];
    const entries: ExportPlan['entries'] = new Map();
    const emit = (at: Position, emission: Emission): void => {
      const layer = entries.get(at.layer) ?? new Map<number, Emission>();
      layer.set(at.ordinal, emission);
      entries.set(at.layer, layer);
    };
    // Hard links whose data no longer shows under its own name: the first link carries it.
    const carriers = new Map<Version, string>();

    for (const [rel, entry] of kept) {
      if (entry.type === 'directory') {
        if (entry.header !== null) directories.push({ path: rel, header: entry.header });
        continue;
      }
      if (entry.type !== 'link') {
        emit(entry, { name: rel });
        continue;
      }
      const data = this.resolveLink(entry);
      if (data === null) continue; // applyLayer would refuse it: nothing to link to
      const shown = kept.get(data.path);
      if (shown !== undefined && shown.layer === data.layer && shown.ordinal === data.ordinal) {
        emit(entry, { name: rel, hardlink: data.path });
        continue;
      }
      const carrier = carriers.get(data);
      if (carrier !== undefined) {
        emit(entry, { name: rel, hardlink: carrier });
      } else {
        carriers.set(data, rel);
        emit(data, { name: rel });
      }
    }
    directories.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
    return { directories, entries };
  }

  /**
   * The entry holding the data a hard link meant when its layer was applied: the latest version
   * of its target before it (same layer, earlier entry; or a lower layer), through links to links.
   * Whiteouts between that version and the link are not tracked (a link to a deleted file).
   */
  private resolveLink(link: Version): Version | null {
    let current: Version = link;
    for (let depth = 0; depth < 32; depth++) {
      if (current.link === null) return null;
      const before = (this.versions.get(current.link) ?? []).filter(
        (v) => v.layer < current.layer || (v.layer === current.layer && v.ordinal < current.ordinal),
      );
      const target = before.reduce<Version | null>(
        (best, v) => (best === null || v.layer > best.layer || (v.layer === best.layer && v.ordinal > best.ordinal) ? v : best),
        null,
      );
      if (target === null) return null;
      if (DATA_TYPES.has(target.type)) return target;
      if (target.type !== 'link') return null; // a symlink: applyLayer refuses linking to one
      current = target;
    }
    return null;
  }
}

function hardlinkTarget(linkname: string): string | null {
  try {
    const rel = normaliseEntryPath(linkname);
    return rel === '' ? null : rel;
  } catch {
    return null;
  }
}
