// The manifest-validation suite (test/integration/manifest-validation.test.ts) against the inmemory storage driver.
import { useDriver } from '../../../support/registry.js';

useDriver('inmemory');
await import('../manifest-validation.test.js');
