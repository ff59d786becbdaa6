/**
 * distribution's `health` section, resolved (config/health-config.ts): durations in
 * milliseconds, defaults applied, only what is enabled.
 */
export interface HealthSettings {
  /** Present when `storagedriver.enabled`. */
  storageDriver?: { intervalMs: number; threshold: number };
  file: { file: string; intervalMs: number }[];
  http: { uri: string; headers: Record<string, string[]>; statusCode: number; timeoutMs: number; intervalMs: number; threshold: number }[];
  tcp: { addr: string; timeoutMs: number; intervalMs: number; threshold: number }[];
}
