/**
 * `docker system df`'s SHARED SIZE (moby daemon/images: ImageDiskUsage and the Images
 * SharedSize): a layer is shared when more than one image, by image ID, stands on it; an image's
 * shared size is the bytes of its layers that are. One rule for every catalog: each says what
 * names its layers (chain IDs) and what they weigh.
 */
export interface LayerWeight {
  /** What names the layer across images (a chain ID). */
  key: string;
  size: number;
}

/** Each image's shared bytes, in the order given. Images with one ID count once. */
export function sharedSizes<T>(images: readonly T[], idOf: (image: T) => string, layersOf: (image: T) => readonly LayerWeight[]): number[] {
  const keysById = new Map<string, Set<string>>();
  for (const image of images) {
    const id = idOf(image);
    if (!keysById.has(id)) keysById.set(id, new Set(layersOf(image).map((layer) => layer.key)));
  }
  const users = new Map<string, number>();
  for (const keys of keysById.values()) for (const key of keys) users.set(key, (users.get(key) ?? 0) + 1);
  return images.map((image) => {
    let shared = 0;
    for (const layer of layersOf(image)) if ((users.get(layer.key) ?? 0) > 1) shared += layer.size;
    return shared;
  });
}
