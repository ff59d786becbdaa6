// The manifests suite (test/integration/server/manifests.test.ts) with a database (PostgreSQL) beside the filesystem driver.
import { useDatabase } from '../../../support/registry.js';

useDatabase();
await import('../manifests.test.js');
