import { Digest } from '../../digest/digest.js';
import type { StorageDriver } from '../../storage/driver.js';
import { referrerDescriptor, type Descriptor } from '../../oci/manifest.js';
import { deleteIfExists, listNames, writeLink } from './links.js';
import { referrerLinkPath, referrerPath, referrersPath } from './paths.js';
import type { StoredManifest } from './manifests.js';

/**
 * The referrers index of one repository (distribution spec, "Listing Referrers"): one link per
 * (subject, referrer) pair, written when a manifest with a `subject` is pushed, so that a
 * listing reads only the referrers instead of every manifest in the repository.
 */
export class RepositoryReferrers {
  constructor(
    private readonly driver: StorageDriver,
    private readonly name: string,
    private readonly load: (digest: Digest) => Promise<StoredManifest | undefined>,
  ) {}

  async add(subject: Digest, referrer: Digest): Promise<void> {
    await writeLink(this.driver, referrerLinkPath(this.name, subject, referrer), referrer);
  }

  async remove(subject: Digest, referrer: Digest): Promise<void> {
    await deleteIfExists(this.driver, referrerPath(this.name, subject, referrer));
  }

  /** Descriptors of the manifests whose subject is `subject`, optionally of one artifact type. */
  async list(subject: Digest, artifactType?: string): Promise<Descriptor[]> {
    const base = referrersPath(this.name, subject);
    const digests: Digest[] = [];
    for (const algorithm of await listNames(this.driver, base)) {
      for (const hex of await listNames(this.driver, `${base}/${algorithm}`)) {
        if (Digest.isValid(`${algorithm}:${hex}`)) digests.push(Digest.parse(`${algorithm}:${hex}`));
      }
    }
    const manifests = await Promise.all(digests.map((digest) => this.load(digest)));
    const descriptors: Descriptor[] = [];
    for (const manifest of manifests) {
      // A referrer deleted by another process between listing and loading is simply gone.
      if (!manifest?.parsed) continue;
      const descriptor = referrerDescriptor(manifest.parsed, manifest.digest.toString(), manifest.bytes.length);
      if (artifactType === undefined || descriptor.artifactType === artifactType) descriptors.push(descriptor);
    }
    return descriptors;
  }
}
