import type { CatalogImage, ImageCatalog } from '../catalog/catalog.js';

export interface InspectResult {
  /** docker image inspect's objects, in the order named, for the names found. */
  found: Record<string, unknown>[];
  /** One error per name not found (noSuchImage) or not readable, in order. */
  failures: unknown[];
}

/**
 * `docker image inspect NAME...` over any catalog. As docker's inspector does, a name not found
 * does not stop the others: the caller prints what was found, then the errors.
 */
export async function inspectImages<I extends CatalogImage>(catalog: ImageCatalog<I>, names: readonly string[]): Promise<InspectResult> {
  const result: InspectResult = { found: [], failures: [] };
  for (const name of names) {
    try {
      result.found.push(await catalog.inspect(await catalog.resolve(name)));
    } catch (err) {
      result.failures.push(err);
    }
  }
  return result;
}
