// Layers to directories and root filesystems, safely: see safe-path.ts for the confinement rules.
export { decompressLayer } from './decompress.js';
export { applyLayer, type ApplyOptions, type ApplyResult } from './apply-layer.js';
export { exportToDirectory, exportToTar, type LayerSource } from './export.js';
