// The manifest-validation suite (test/integration/server/manifest-validation.test.ts) with a database (PostgreSQL) beside the filesystem driver.
import { useDatabase } from '../../../support/registry.js';

useDatabase();
await import('../manifest-validation.test.js');
