export { assembleLayer, layerTarSize, type AssembleOptions } from './assemble.js';
export { Crc64Iso, crc64Iso } from './crc64.js';
export { readTarSplitEntries, readTarSplitFile, type FileEntry, type SegmentEntry, type TarSplitEntry } from './entries.js';
export { confineName, LayerFiles } from './layer-files.js';
