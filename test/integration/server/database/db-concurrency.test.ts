// The concurrency suite (test/integration/server/concurrency.test.ts) with a database (PostgreSQL) beside the filesystem driver.
import { useDatabase } from '../../../support/registry.js';

useDatabase();
await import('../concurrency.test.js');
