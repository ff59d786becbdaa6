// Moved to src/reference/glob.ts (repository-name patterns are used by the GC and the config too,
// and registry/gc may not import registry/server, which imports it).
export { compileGlob } from '../../../reference/glob.js';
