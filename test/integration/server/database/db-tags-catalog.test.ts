// The tags-catalog suite (test/integration/server/tags-catalog.test.ts) with a database (PostgreSQL) beside the filesystem driver.
import { useDatabase } from '../../../support/registry.js';

useDatabase();
await import('../tags-catalog.test.js');
