// The referrers suite (test/integration/server/referrers.test.ts) with a database (PostgreSQL) beside the filesystem driver.
import { useDatabase } from '../../../support/registry.js';

useDatabase();
await import('../referrers.test.js');
