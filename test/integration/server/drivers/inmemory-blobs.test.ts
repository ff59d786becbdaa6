// The blobs suite (test/integration/blobs.test.ts) against the inmemory storage driver.
import { useDriver } from '../../../support/registry.js';

useDriver('inmemory');
await import('../blobs.test.js');
