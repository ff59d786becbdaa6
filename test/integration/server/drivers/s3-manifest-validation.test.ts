// The manifest-validation suite (test/integration/manifest-validation.test.ts) against the S3 storage driver on a real Ceph RADOS Gateway.
import { useS3 } from '../../../support/registry.js';

await useS3();
await import('../manifest-validation.test.js');
