export { attachDatabase, type Attached } from './attach.js';
export { importStorage, type ImportOptions, type ImportProgress, type ImportReport } from './import.js';
export { RegistryDatabase } from './metadata.js';
export { describeDsn, type DatabaseOptions } from './options.js';
