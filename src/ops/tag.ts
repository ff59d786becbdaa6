import type { ImageStore } from '../store/store.js';

/** `docker tag SOURCE TARGET`: a new name for a stored image (a name or ID); a name TARGET had before moves to it. */
export async function tag(source: string, target: string, options: { store: ImageStore }): Promise<void> {
  await options.store.tag(source, target);
}
