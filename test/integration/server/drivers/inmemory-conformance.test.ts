// The OCI conformance suite (test/integration/conformance.test.ts) against the inmemory storage
// driver. It runs `stowage serve` with a config file naming the filesystem driver: the child's
// REGISTRY_STORAGE (distribution's override of the whole storage section) names this one instead.
process.env.REGISTRY_STORAGE = '{inmemory: {}, delete: {enabled: true}}';
await import('../conformance.test.js');
