export { isLegacyRoot, loadLegacyRoot } from './load.js';
export { LEGACY_ID, isLegacyId } from './ids.js';
