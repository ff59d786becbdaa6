import type { Readable } from 'node:stream';
import type { Digest } from '../digest/digest.js';
import { StowageError } from '../errors/error.js';
import type { Descriptor } from '../oci/descriptor.js';
import type { RegistryClient, RepositoryRef } from '../registry/client/client.js';
import { formatReference, type Reference } from '../reference/reference.js';
import type { BlobOrigin, ImageSink, ImageSource } from './types.js';
import type { ManifestBytes } from '../oci/manifest-bytes.js';

/** `docker://host/repo[:tag|@digest]` read through the registry client. */
export class RemoteSource implements ImageSource {
  readonly name: string;
  readonly origin: BlobOrigin;
  private readonly repo: RepositoryRef;

  constructor(
    private readonly client: RegistryClient,
    private readonly reference: Reference,
  ) {
    this.name = `docker://${formatReference(reference)}`;
    this.repo = { domain: reference.domain, path: reference.path };
    this.origin = { registry: reference.domain, repository: reference.path };
  }

  private top: Promise<ManifestBytes> | undefined;

  /** The named manifest is fetched once: a pull asks for it first to learn the digest it records. */
  getManifest(digest?: Digest): Promise<ManifestBytes> {
    if (digest) return this.client.getManifest(this.repo, digest.toString());
    this.top ??= this.client.getManifest(this.repo, this.reference.digest ?? this.reference.tag ?? 'latest');
    this.top.catch(() => (this.top = undefined));
    return this.top;
  }

  getBlob(descriptor: Descriptor): Promise<Readable> {
    return this.client.getBlob(this.repo, descriptor);
  }

  async close(): Promise<void> {}
}

/** `docker://host/repo[:tag|@digest]` written through the registry client. */
export class RemoteSink implements ImageSink {
  readonly name: string;
  private readonly repo: RepositoryRef;

  constructor(
    private readonly client: RegistryClient,
    private readonly reference: Reference,
  ) {
    this.name = `docker://${formatReference(reference)}`;
    this.repo = { domain: reference.domain, path: reference.path };
  }

  hasBlob(descriptor: Descriptor): Promise<boolean> {
    return this.client.hasBlob(this.repo, descriptor.digest);
  }

  putBlob(descriptor: Descriptor, stream: Readable): Promise<void> {
    return this.client.pushBlob(this.repo, descriptor, stream);
  }

  /** Only within one registry, and only from another repository. */
  async mountBlob(descriptor: Descriptor, origin: BlobOrigin): Promise<boolean> {
    if (origin.registry !== this.reference.domain || origin.repository === this.reference.path) return false;
    return this.client.mountBlob(this.repo, descriptor.digest, origin.repository);
  }

  async putManifest(manifest: ManifestBytes, options: { top: boolean }): Promise<void> {
    const { digest, tag } = this.reference;
    if (options.top && digest && digest !== manifest.digest.toString()) {
      throw new StowageError('DIGEST_INVALID', `destination ${this.name} names ${digest} but the image copied is ${manifest.digest}`);
    }
    const reference = options.top && tag && !digest ? tag : manifest.digest.toString();
    await this.client.putManifest(this.repo, reference, manifest);
  }

  async commit(): Promise<void> {}

  async close(): Promise<void> {}
}
