// The tags-catalog suite (test/integration/tags-catalog.test.ts) against the inmemory storage driver.
import { useDriver } from '../../../support/registry.js';

useDriver('inmemory');
await import('../tags-catalog.test.js');
