// The OCI conformance suite (test/integration/conformance.test.ts) against the S3 storage driver
// on a real Ceph RADOS Gateway (test/support/ceph-rgw.ts). It runs `stowage serve` with a config
// file naming the filesystem driver: the child's REGISTRY_STORAGE (distribution's override of
// the whole storage section) names the gateway's bucket instead.
import { sharedBucket, sharedRgw } from '../../../support/ceph-rgw.js';

const [rgw, bucket] = await Promise.all([sharedRgw(), sharedBucket()]);
process.env.REGISTRY_STORAGE = `{${rgw.yaml(bucket, 'conformance')}, delete: {enabled: true}}`;
await import('../conformance.test.js');
