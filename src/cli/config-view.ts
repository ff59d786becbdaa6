import type { ImageStore } from '../store/store.js';
import type { ImageRecord } from '../store/types.js';
import type { HistoryEntry } from './format/history-rows.js';

/**
 * The parts of an image config (OCI image-spec config.md) the verbs show. Read through this
 * view so each verb states what it relies on, whatever else the store's config type holds.
 */
export interface ConfigView {
  created?: string;
  author?: string;
  architecture?: string;
  os?: string;
  'os.version'?: string;
  variant?: string;
  comment?: string;
  docker_version?: string;
  config?: ContainerConfigView | null;
  rootfs?: { type?: string; diff_ids?: string[] };
  history?: HistoryEntry[];
}

export interface ContainerConfigView {
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
}

export async function readConfigView(store: ImageStore, image: ImageRecord): Promise<ConfigView> {
  return (await store.readConfig(image)) as unknown as ConfigView;
}
