/**
 * Headers on every response of the registry, errors included: the API version clients probe
 * for (docker/api.md, "API Version Check"), and no MIME sniffing of blobs served as
 * application/octet-stream.
 */
export const COMMON_HEADERS: Readonly<Record<string, string>> = Object.freeze({
  'Docker-Distribution-API-Version': 'registry/2.0',
  'X-Content-Type-Options': 'nosniff',
});
