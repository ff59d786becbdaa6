// The manifests suite (test/integration/manifests.test.ts) against the inmemory storage driver.
import { useDriver } from '../../../support/registry.js';

useDriver('inmemory');
await import('../manifests.test.js');
