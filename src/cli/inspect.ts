import { pipeline } from 'node:stream/promises';
import { Digest } from '../digest/digest.js';
import { Digester } from '../digest/digester.js';
import { StowageError } from '../errors/error.js';
import type { ImageConfig } from '../oci/config.js';
import type { Descriptor } from '../oci/descriptor.js';
import { parseManifest } from '../oci/manifest.js';
import { hostPlatform, parsePlatform, selectPlatform } from '../oci/platform.js';
import { formatReference, tryParseReference } from '../reference/reference.js';
import { parseImageName, type ImageName } from '../transport/image-name.js';
import { openSource } from '../transport/open.js';
import type { ImageSource } from '../transport/types.js';
import type { ManifestBytes } from '../oci/manifest-bytes.js';
import { registryClient } from './registry-options.js';

/**
 * `stowage inspect REF`: what skopeo inspect shows, without pulling layers: the manifest
 * (`--raw`), the config (`--config`), or a summary. A plain reference means docker://.
 */
export async function inspect(ref: string, options: Record<string, unknown>): Promise<void> {
  const name = parseImageName(/^(docker|oci|oci-archive|docker-archive):/.test(ref) ? ref : `docker://${ref}`);
  const client = await registryClient(options);
  const source = await openSource(name, { client });
  try {
    const top = await source.getManifest();
    if (options.raw && !options.config) return print(top.bytes.toString('utf8'));
    const image = await chooseImage(source, top, typeof options.platform === 'string' ? options.platform : undefined);
    const parsed = parseManifest(image.bytes, image.mediaType);
    if (!parsed.config) throw new Error(`${source.name} is not an image manifest`);
    const configBytes = await readConfig(source, parsed.config);
    if (options.config) return print(options.raw ? configBytes.toString('utf8') : JSON.stringify(JSON.parse(configBytes.toString('utf8')), null, 4));
    const config = JSON.parse(configBytes.toString('utf8')) as ImageConfig;
    const repository = repositoryName(name);
    const tags = name.transport === 'docker' ? await client.listTags({ domain: name.reference.domain, path: name.reference.path }).catch(() => undefined) : undefined;
    print(
      JSON.stringify(
        {
          ...(repository !== undefined ? { Name: repository } : {}),
          Digest: top.digest.toString(),
          RepoTags: tags ?? [],
          Created: config.created,
          Author: config.author ?? '',
          Labels: config.config?.Labels ?? null,
          Architecture: config.architecture,
          ...(config.variant ? { Variant: config.variant } : {}),
          Os: config.os,
          MediaType: image.mediaType,
          Layers: parsed.layers.map((l) => l.digest),
          LayersData: parsed.layers.map((l) => ({ MIMEType: l.mediaType, Digest: l.digest, Size: l.size, Annotations: l.annotations ?? null })),
          Env: config.config?.Env ?? null,
        },
        null,
        4,
      ),
    );
  } finally {
    await source.close();
    await client.close();
  }
}

/**
 * skopeo's `Name`: the image's Docker reference without tag or digest (containers/image
 * `DockerReference().Name()`, `127.0.0.1:5099/test/multi`, `docker.io/library/alpine`); a
 * docker-archive has one only when named NAME:TAG, a layout never (skopeo then leaves it out).
 */
function repositoryName(name: ImageName): string | undefined {
  if (name.transport === 'docker') return formatReference({ domain: name.reference.domain, path: name.reference.path });
  if (name.transport !== 'docker-archive' || name.ref === undefined || name.ref.startsWith('@')) return undefined;
  const reference = tryParseReference(name.ref);
  return reference ? formatReference({ domain: reference.domain, path: reference.path }) : undefined;
}

async function chooseImage(source: ImageSource, top: ManifestBytes, platform: string | undefined): Promise<ManifestBytes> {
  const parsed = parseManifest(top.bytes, top.mediaType);
  if (parsed.kind !== 'index') return top;
  const chosen = selectPlatform(parsed.manifests, platform ? parsePlatform(platform) : hostPlatform());
  return source.getManifest(Digest.parse(chosen.digest));
}

const CONFIG_LIMIT = 16 * 1024 * 1024;

/** The config, verified against its descriptor and capped: a registry could send anything. */
async function readConfig(source: ImageSource, descriptor: Descriptor): Promise<Buffer> {
  if (descriptor.size > CONFIG_LIMIT) throw new StowageError('MANIFEST_INVALID', `config ${descriptor.digest} is ${descriptor.size} bytes, over the ${CONFIG_LIMIT}-byte limit`);
  const verifier = new Digester({ expected: Digest.parse(descriptor.digest), expectedSize: descriptor.size });
  const chunks: Buffer[] = [];
  await pipeline(await source.getBlob(descriptor), verifier, async (verified: AsyncIterable<Buffer>) => {
    for await (const chunk of verified) chunks.push(chunk);
  });
  return Buffer.concat(chunks);
}

function print(text: string): void {
  process.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
}
