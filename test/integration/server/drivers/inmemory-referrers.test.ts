// The referrers suite (test/integration/referrers.test.ts) against the inmemory storage driver.
import { useDriver } from '../../../support/registry.js';

useDriver('inmemory');
await import('../referrers.test.js');
