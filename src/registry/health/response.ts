import type { HealthMonitor } from './monitor.js';

export interface HealthResponse {
  status: 200 | 503;
  body: string;
  contentType: 'application/json';
}

/**
 * `/debug/health`'s answer as distribution's StatusHandler writes it: the status map as Go's
 * json.Marshal encodes it (keys sorted, no trailing newline), 503 when any check fails.
 */
export function healthResponse(monitor: Pick<HealthMonitor, 'status'>): HealthResponse {
  const status = monitor.status();
  const names = Object.keys(status);
  return { status: names.length === 0 ? 200 : 503, body: goJson(status), contentType: 'application/json' };
}

/**
 * Go's encoding of a map[string]string: keys in byte order, and `<`, `>`, `&`, U+2028 and
 * U+2029 escaped (Go's HTML-safe default), so that a body compares equal to registry:2's.
 */
function goJson(map: Record<string, string>): string {
  const keys = Object.keys(map).sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
  const entries = keys.map((key) => `${goString(key)}:${goString(map[key]!)}`);
  return `{${entries.join(',')}}`;
}

const GO_ESCAPES: Record<string, string> = { '<': '\\u003c', '>': '\\u003e', '&': '\\u0026', '\u2028': '\\u2028', '\u2029': '\\u2029' };

function goString(value: string): string {
  return JSON.stringify(value).replace(/[<>&\u2028\u2029]/g, (c) => GO_ESCAPES[c]!);
}
