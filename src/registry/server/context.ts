import type { FastifyReply, FastifyRequest } from 'fastify';
import type { ProxyCache } from '../proxy/cache.js';
import type { RegistryStore } from '../store/registry.js';
import type { Grant } from './auth/types.js';
import type { RequestEvents } from './events.js';
import type { RegistryLimits } from './limits.js';

export interface RegistryPolicy {
  /** distribution's `storage.delete.enabled`: whether DELETE of manifests, tags and blobs is allowed. */
  deleteEnabled: boolean;
  /** Largest manifest accepted, in bytes (the spec asks registries to take at least 4 MiB). */
  maxManifestBytes: number;
  /** Most entries in one catalog page. */
  maxCatalogEntries: number;
  /**
   * Spec "Mounting a blob from another repository": `POST ?mount=<digest>` without `from`
   * mounts the blob from any repository the caller may pull that has it (off by default).
   */
  automaticCrossMount: boolean;
  /**
   * distribution's storage.redirect: a blob GET is answered 307 to the driver's URL for the
   * blob (S3: presigned) when the driver has one; false (`redirect.disable`) streams it.
   */
  redirect: boolean;
}

export interface HandlerContext {
  request: FastifyRequest;
  reply: FastifyReply;
  query: URLSearchParams;
  store: RegistryStore;
  policy: RegistryPolicy;
  /** What the caller may do (everything when the server has no access control). */
  grant: Grant;
  /** The server's resource limits (handlers use the upload session expiry). */
  limits: RegistryLimits;
  /** The pull-through cache, when upstreams are configured (src/registry/proxy). */
  proxy?: ProxyCache;
  /** Notifications (events.ts), when endpoints are configured. */
  events?: RequestEvents;
}
