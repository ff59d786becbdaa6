// The concurrency suite (test/integration/concurrency.test.ts) against the inmemory storage driver.
import { useDriver } from '../../../support/registry.js';

useDriver('inmemory');
await import('../concurrency.test.js');
