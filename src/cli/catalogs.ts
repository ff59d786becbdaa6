import type { ImageCatalog } from '../catalog/catalog.js';
import { openStore } from './store-access.js';

/**
 * The catalog a verb reads: the local store (`stowage images`, `image inspect`, `system df`,
 * `info`) or a Docker root (`stowage docker images|inspect|df|info`). The verbs are one
 * implementation each; the command registration hands them one of these.
 */
export type OpenCatalog = (options: Record<string, unknown>) => Promise<ImageCatalog>;

/** The local store the --root flags name. */
export const openStoreCatalog: OpenCatalog = async (options) => {
  const [store, { StoreCatalog }] = await Promise.all([openStore(options), import('../store/catalog.js')]);
  return new StoreCatalog(store);
};

/** The Docker root the --docker-root/--store/--storage-driver/--namespace flags name; its problems go to stderr. */
export const openDockerCatalog: OpenCatalog = async (options) => {
  const [{ openRoot }, { DockerRootCatalog }] = await Promise.all([import('./docker/open-root.js'), import('../dockerroot/catalog.js')]);
  return new DockerRootCatalog(await openRoot(options));
};
