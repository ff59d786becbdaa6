// The blobs suite (test/integration/server/blobs.test.ts) with a database (PostgreSQL) beside the filesystem driver.
import { useDatabase } from '../../../support/registry.js';

useDatabase();
await import('../blobs.test.js');
