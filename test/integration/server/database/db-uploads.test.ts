// The uploads suite (test/integration/server/uploads.test.ts) with a database (PostgreSQL) beside the filesystem driver.
import { useDatabase } from '../../../support/registry.js';

useDatabase();
await import('../uploads.test.js');
