import { tag as tagImage } from '../ops/tag.js';
import { openStore } from './store-access.js';

/** `stowage tag SOURCE TARGET` / `image tag`: a new name for a stored image; silent, as docker's. */
export async function tag(source: string, target: string, options: Record<string, unknown>): Promise<void> {
  await tagImage(source, target, { store: await openStore(options) });
}
