import type { CatalogImage, CatalogInfo, ImageCatalog } from '../catalog/catalog.js';

/** `docker info`'s store facts over any catalog, each described for its line (CatalogInfo). */
export function info<I extends CatalogImage>(catalog: ImageCatalog<I>): Promise<CatalogInfo> {
  return catalog.info();
}
