// The manifests suite (test/integration/manifests.test.ts) against the S3 storage driver on a real Ceph RADOS Gateway.
import { useS3 } from '../../../support/registry.js';

await useS3();
await import('../manifests.test.js');
