import type { ImageConfig } from '../oci/config.js';
import type { ImageSource } from '../transport/types.js';
import type { CatalogUsage, UsageOptions } from './usage.js';

/**
 * One interface over every place that holds images by name: the local store (src/store) and a
 * Docker root (src/dockerroot) each implement it, and the operations behind `images`, `image
 * inspect`, `system df` and `info` (src/ops) are written once over it. `stowage images` and
 * `stowage docker images` differ in the catalog they are handed, not in their code.
 */
export interface ImageCatalog<I extends CatalogImage = CatalogImage> {
  /**
   * The images `docker images` lists. A Docker root hides intermediate images (untagged build
   * steps other images stand on) unless `all`; the local store keeps none, so `all` changes nothing.
   */
  list(options?: { all?: boolean }): Promise<I[]>;
  /**
   * The image a name, ID or digest names, as docker finds one (resolve.ts: resolveName); an
   * image that is not there is the one noSuchImage error, whatever the catalog.
   */
  resolve(name: string): Promise<I>;
  /** The image's config, parsed. */
  config(image: I): Promise<ImageConfig>;
  /** The image as a source for copy (push, save, export). */
  source(image: I): Promise<ImageSource>;
  /** `docker image inspect`'s object (Engine API ImageInspect), with where the image's files are. */
  inspect(image: I): Promise<Record<string, unknown>>;
  /** `docker system df`'s numbers. */
  diskUsage(options?: UsageOptions): Promise<CatalogUsage<I>>;
  /** `docker info`'s facts about the store, each described for its line (info lines, `--format`). */
  info(): Promise<CatalogInfo>;
}

/** What a listing needs of an image, whatever catalog holds it. */
export interface CatalogImage {
  /** What docker shows as IMAGE ID, full: sha256:<hex>. */
  id: string;
  /** References, full (`docker.io/library/alpine:latest`) or familiar (`alpine:latest`). */
  repoTags: readonly string[];
  /** `name@sha256:…`: the digests it was pulled or pushed as. */
  repoDigests: readonly string[];
  /** From the image config, when it says. */
  created?: string | undefined;
  /** When it entered the store, if known: the time used when `created` is missing. */
  pulled?: string | undefined;
  /** docker's SIZE: the layers unpacked. */
  size: number;
  /** The image's blobs as the store holds them (layers compressed, as pulled), when known: `{{.ContentSize}}`. */
  contentSize?: number | undefined;
}

/**
 * `info`: the catalog's facts (`values`, what `--format json` prints) and how each one is shown,
 * in order. One renderer prints every catalog's `docker info`-style lines and runs templates
 * over the values as the Go struct `type` names.
 */
export interface CatalogInfo<V extends object = object> {
  description: InfoDescription;
  values: V;
}

export type InfoValue = string | number | readonly string[];

export interface InfoDescription {
  /** The Go type templates see, as errors name it (`stowage.StoreInfo`). */
  type: string;
  fields: readonly InfoField[];
}

export interface InfoField {
  /** The key in `values`: what `--format json` and templates call it. */
  name: string;
  /** The words of its line (`Docker Root Dir`). */
  label: string;
  /** 1: a detail, indented one space under the line before, as docker info prints them. */
  indent?: 1;
  /** `count` an int, `bytes` an int64 shown as a size, `lines` a list printed as its count and one line each (and not at all when empty). */
  kind: 'string' | 'count' | 'bytes' | 'lines';
  /** A line of its own before this one (`Disk Use:`). */
  heading?: string;
}
