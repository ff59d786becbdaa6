import { Digest } from '../digest/digest.js';
import { StowageError, type ErrorCode } from '../errors/error.js';

/**
 * An image config (image-spec config.md; Docker's docker/image-v1.2.md adds `container_config`,
 * `docker_version`, `container`), the one type every store and verb reads it through. Every
 * field is optional, as the stores that write configs leave them out, and every other field
 * passes through. parseImageConfig checks only that the bytes are a JSON object: the fields come
 * from a registry, an archive or a Docker root, so code that acts on one (names a directory
 * after diff IDs, records a platform) checks it first (validateDiffIds; a `typeof` test).
 */
export interface ImageConfig {
  created?: string;
  author?: string;
  architecture?: string;
  os?: string;
  'os.version'?: string;
  'os.features'?: string[];
  variant?: string;
  config?: ContainerConfig | null;
  container_config?: ContainerConfig | null;
  docker_version?: string;
  comment?: string;
  rootfs?: { type?: string; diff_ids?: string[] };
  history?: HistoryEntry[];
  [key: string]: unknown;
}

/** config.md "config": the execution parameters, in the field order docker prints them. */
export interface ContainerConfig {
  User?: string;
  ExposedPorts?: Record<string, object> | null;
  Env?: string[] | null;
  Entrypoint?: string[] | null;
  Cmd?: string[] | null;
  Volumes?: Record<string, object> | null;
  WorkingDir?: string;
  Labels?: Record<string, string> | null;
  StopSignal?: string;
  ArgsEscaped?: boolean;
  Healthcheck?: object | null;
  OnBuild?: string[] | null;
  Shell?: string[] | null;
  [key: string]: unknown;
}

/** config.md "history": one entry per build step; `empty_layer` steps made no layer. */
export interface HistoryEntry {
  created?: string;
  created_by?: string;
  author?: string;
  comment?: string;
  empty_layer?: boolean;
}

/**
 * The config in `bytes` as a JSON object, else `code` with "<what> is not valid JSON" or
 * "<what> is not a JSON object" (`what` names it: `image config sha256:…`).
 */
export function parseImageConfig(bytes: Buffer, what: string, code: ErrorCode): ImageConfig {
  let value: unknown;
  try {
    value = JSON.parse(bytes.toString('utf8'));
  } catch {
    throw new StowageError(code, `${what} is not valid JSON`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new StowageError(code, `${what} is not a JSON object`);
  return value as ImageConfig;
}

/**
 * Chain IDs (image-spec config.md, "Layer ChainID"): ChainID(L0) = DiffID(L0);
 * ChainID(Ln) = sha256(ChainID(Ln-1) + " " + DiffID(Ln)). They name a stack of layers,
 * so a directory unpacked for one image serves every image that shares its lower layers.
 */
export function chainIds(diffIds: readonly Digest[]): Digest[] {
  const out: Digest[] = [];
  for (const diffId of diffIds) {
    const previous = out[out.length - 1];
    out.push(previous ? Digest.of(`${previous.toString()} ${diffId.toString()}`) : diffId);
  }
  return out;
}

/**
 * An image config's `rootfs.diff_ids`, checked before anything is named after them: an array of
 * digests, one per layer of the manifest. Anything else is refused with one line saying why.
 */
export function validateDiffIds(value: unknown, layerCount: number, config: string): string[] {
  const problem = diffIdsProblem(value, layerCount);
  if (problem !== undefined) {
    throw new StowageError('MANIFEST_INVALID', `image config ${config}: rootfs.diff_ids must list one digest per layer (${layerCount}), but ${problem}`);
  }
  return (value as string[]).slice();
}

/** Why `value` is not one digest per layer (`it is missing`, `entry 2 is not a digest: …`), or undefined when it is. */
export function diffIdsProblem(value: unknown, layerCount: number): string | undefined {
  if (value === undefined || value === null) return 'it is missing';
  if (!Array.isArray(value)) return `it is ${typeof value === 'object' ? 'an object' : `a ${typeof value}`}, not an array`;
  if (value.length !== layerCount) return `it lists ${value.length}`;
  for (const [i, entry] of value.entries()) {
    if (typeof entry !== 'string' || !Digest.isValid(entry)) return `entry ${i + 1} is not a digest: ${shown(entry)}`;
  }
  return undefined;
}

/** A hostile value, printable on one line. */
function shown(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}
