// The uploads suite (test/integration/uploads.test.ts) against the inmemory storage driver.
import { useDriver } from '../../../support/registry.js';

useDriver('inmemory');
await import('../uploads.test.js');
