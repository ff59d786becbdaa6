import type { Readable } from 'node:stream';
import type { Digest } from '../digest/digest.js';
import type { Descriptor } from '../oci/descriptor.js';
import type { ManifestBytes } from '../oci/manifest-bytes.js';

/**
 * The seams every place an image lives implements (README.md, "Architecture"): a source an
 * image can be read from, a sink it can be written to. Moving an image is `copyImage(source,
 * sink)` in copy.ts; a new place is one new file implementing these, plus the shared suite.
 */

/** Where a registry-backed source lives, so a registry sink can mount instead of copying bytes. */
export interface BlobOrigin {
  /** Registry host as clients address it, e.g. `127.0.0.1:5000`, `registry-1.docker.io`. */
  registry: string;
  repository: string;
}

export interface ImageSource {
  /** For messages: `docker://host/repo:tag`, `oci:dir:tag`. */
  readonly name: string;
  /**
   * Without `digest`: the manifest or index the reference names (by tag, digest or the only
   * image). With `digest`: a manifest reachable from it (a child of an index).
   * The returned digest is computed over the bytes; a reference by digest that does not match
   * them is an error (DIGEST_INVALID), never a silent substitution.
   */
  getManifest(digest?: Digest): Promise<ManifestBytes>;
  /**
   * Streams a blob's bytes as stored (compressed layers stay compressed). The caller verifies
   * digest and size as the bytes pass; a source may verify too. BLOB_UNKNOWN if absent.
   */
  getBlob(descriptor: Descriptor): Promise<Readable>;
  /** Set when the source is a registry: lets a sink in the same registry mount blobs. */
  readonly origin?: BlobOrigin;
  close(): Promise<void>;
}

export interface ImageSink {
  readonly name: string;
  /** Whether the sink holds this blob already; copy then skips it. */
  hasBlob(descriptor: Descriptor): Promise<boolean>;
  /**
   * Stores a blob from a stream. The sink stores durably and atomically: if the stream fails
   * (including a digest mismatch raised by the copier's verifying stream), nothing becomes
   * visible under the digest. Calls may run in parallel for different blobs.
   */
  putBlob(descriptor: Descriptor, stream: Readable): Promise<void>;
  /**
   * Makes a blob from `origin` appear in the sink without transferring it (a registry's
   * cross-repository mount). Returns false when it cannot; copy then transfers the bytes.
   */
  mountBlob?(descriptor: Descriptor, origin: BlobOrigin): Promise<boolean>;
  /**
   * Stores a manifest. Children of an index are put before the index; `top` marks the one
   * the destination reference names (the one to tag). Called after all its blobs are stored.
   */
  putManifest(manifest: ManifestBytes, options: { top: boolean }): Promise<void>;
  /** Finishes the write (index.json, the archive itself). Before commit nothing is visible as an image. */
  commit(): Promise<void>;
  /** Releases resources; discards everything if commit was not called. */
  close(): Promise<void>;
}
