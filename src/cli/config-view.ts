import type { ImageConfig } from '../oci/config.js';
import type { ImageStore } from '../store/store.js';
import type { ImageRecord } from '../store/types.js';

/** The image's config (src/oci/config.ts ImageConfig: the one type every verb reads it through). */
export async function readConfigView(store: ImageStore, image: ImageRecord): Promise<ImageConfig> {
  return store.readConfig(image);
}
