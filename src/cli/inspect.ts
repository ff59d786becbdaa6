import { inspectImage } from '../ops/inspect.js';
import { parseImageNameOrReference } from '../transport/image-name.js';
import { registryClient } from './registry-options.js';
import { warn } from './verb-output.js';

/**
 * `stowage inspect REF`: what skopeo inspect shows, without pulling layers: the manifest
 * (`--raw`), the config (`--config`), or a summary. A plain reference means docker://.
 */
export async function inspect(ref: string, options: Record<string, unknown>): Promise<void> {
  const name = parseImageNameOrReference(ref);
  const client = await registryClient(options);
  try {
    const common = { client, warn, ...(typeof options.platform === 'string' ? { platform: options.platform } : {}) };
    if (options.raw && !options.config) return print((await inspectImage(name, { ...common, depth: 'manifest' })).manifest.bytes.toString('utf8'));
    if (options.config) {
      const { config } = await inspectImage(name, { ...common, depth: 'config' });
      return print(options.raw ? config.toString('utf8') : JSON.stringify(JSON.parse(config.toString('utf8')), null, 4));
    }
    print(JSON.stringify((await inspectImage(name, common)).summary, null, 4));
  } finally {
    await client.close();
  }
}

function print(text: string): void {
  process.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
}
