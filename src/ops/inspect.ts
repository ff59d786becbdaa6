import { pipeline } from 'node:stream/promises';
import { Digest } from '../digest/digest.js';
import { Digester } from '../digest/digester.js';
import { StowageError } from '../errors/error.js';
import type { Descriptor } from '../oci/descriptor.js';
import { parseManifest, type ParsedManifest } from '../oci/manifest.js';
import { hostPlatform, parsePlatform, selectPlatform, type PlatformSpec } from '../oci/platform.js';
import { registryClient, withResources, type RegistryAccess } from './resources.js';
import { parseImageNameOrReference, type ImageName } from '../transport/image-name.js';
import { openSource, transportOf } from '../transport/open.js';
import type { ImageSource } from '../transport/types.js';
import type { ImageConfig } from '../oci/config.js';
import type { ManifestBytes } from '../oci/manifest-bytes.js';
import './transports.js';

export interface InspectOptions extends RegistryAccess {
  /** Which image of a multi-arch index: `os/arch[/variant]` or a spec; default this machine's. */
  platform?: string | PlatformSpec;
  /** Where a source reports what it read past (a damaged Docker root). */
  warn?: (line: string) => void;
}

/** `--raw`: the manifest or index the name points at, exactly as stored. */
export interface ManifestInspection {
  name: ImageName;
  manifest: ManifestBytes;
}

/** `--config`: plus the image manifest chosen (the platform's, from an index) and its config, verified. */
export interface ConfigInspection extends ManifestInspection {
  image: ManifestBytes;
  config: Buffer;
}

/** What `skopeo inspect` prints, field for field. */
export interface ImageSummary {
  Name?: string;
  Digest: string;
  RepoTags: string[];
  Created: string | undefined;
  Author: string;
  Labels: Record<string, string> | null;
  Architecture: string | undefined;
  Variant?: string;
  Os: string | undefined;
  MediaType: string;
  Layers: string[];
  LayersData: Array<{ MIMEType: string; Digest: string; Size: number; Annotations: Record<string, string> | null }>;
  Env: string[] | null;
}

export interface ImageInspection extends ConfigInspection {
  summary: ImageSummary;
}

type Depth = 'manifest' | 'config' | 'summary';

/**
 * `stowage inspect`: an image's manifest, config or summary, read without its layers (skopeo
 * inspect). `image` is a transport name, or a registry reference with `docker://` implied.
 * `depth` says how far to read: the manifest only, its config too, or the summary (the default,
 * which also lists a registry repository's tags).
 */
export function inspectImage(image: string | ImageName, options: InspectOptions & { depth: 'manifest' }): Promise<ManifestInspection>;
export function inspectImage(image: string | ImageName, options: InspectOptions & { depth: 'config' }): Promise<ConfigInspection>;
export function inspectImage(image: string | ImageName, options: InspectOptions & { depth?: 'summary' }): Promise<ImageInspection>;
export async function inspectImage(
  image: string | ImageName,
  options: InspectOptions & { depth?: Depth },
): Promise<ManifestInspection | ConfigInspection | ImageInspection> {
  const name = typeof image === 'string' ? parseImageNameOrReference(image) : image;
  return withResources(async (scope) => {
    // Only docker:// names reach a registry; a layout or a Docker root never loads the HTTP client.
    const client = name.transport === 'docker' ? await registryClient(options, scope) : undefined;
    const source = scope.own(await openSource(name, { client, ...(options.warn ? { warn: options.warn } : {}) }));
    const manifest = await source.getManifest();
    if (options.depth === 'manifest') return { name, manifest };
    const { image: chosen, parsed } = await chooseImage(source, manifest, options.platform);
    if (!parsed.config) throw new Error(`${source.name} is not an image manifest`);
    const config = await readConfig(source, parsed.config);
    if (options.depth === 'config') return { name, manifest, image: chosen, config };
    const fields = JSON.parse(config.toString('utf8')) as ImageConfig;
    const repository = transportOf(name).repository?.(name as never);
    const tags =
      client && name.transport === 'docker'
        ? await client.listTags({ domain: name.reference.domain, path: name.reference.path }).catch(() => undefined)
        : undefined;
    const summary: ImageSummary = {
      ...(repository !== undefined ? { Name: repository } : {}),
      Digest: manifest.digest.toString(),
      RepoTags: tags ?? [],
      Created: fields.created,
      Author: fields.author ?? '',
      Labels: fields.config?.Labels ?? null,
      Architecture: fields.architecture,
      ...(fields.variant ? { Variant: fields.variant } : {}),
      Os: fields.os,
      MediaType: chosen.mediaType,
      Layers: parsed.layers.map((l) => l.digest),
      LayersData: parsed.layers.map((l) => ({ MIMEType: l.mediaType, Digest: l.digest, Size: l.size, Annotations: l.annotations ?? null })),
      Env: fields.config?.Env ?? null,
    };
    return { name, manifest, image: chosen, config, summary } satisfies ImageInspection;
  });
}

/** The image `top` names for the platform, parsed (once: top here, a chosen child here too). */
async function chooseImage(
  source: ImageSource,
  top: ManifestBytes,
  platform: string | PlatformSpec | undefined,
): Promise<{ image: ManifestBytes; parsed: ParsedManifest }> {
  const parsed = parseManifest(top.bytes, top.mediaType);
  if (parsed.kind !== 'index') return { image: top, parsed };
  const wanted = typeof platform === 'string' ? parsePlatform(platform) : (platform ?? hostPlatform());
  const chosen = selectPlatform(parsed.manifests, wanted);
  const image = await source.getManifest(Digest.parse(chosen.digest));
  return { image, parsed: parseManifest(image.bytes, image.mediaType) };
}

const CONFIG_LIMIT = 16 * 1024 * 1024;

/** The config, verified against its descriptor and capped: a registry could send anything. */
async function readConfig(source: ImageSource, descriptor: Descriptor): Promise<Buffer> {
  if (descriptor.size > CONFIG_LIMIT)
    throw new StowageError('MANIFEST_INVALID', `config ${descriptor.digest} is ${descriptor.size} bytes, over the ${CONFIG_LIMIT}-byte limit`);
  const verifier = new Digester({ expected: Digest.parse(descriptor.digest), expectedSize: descriptor.size });
  const chunks: Buffer[] = [];
  await pipeline(await source.getBlob(descriptor), verifier, async (verified: AsyncIterable<Buffer>) => {
    for await (const chunk of verified) chunks.push(chunk);
  });
  return Buffer.concat(chunks);
}
