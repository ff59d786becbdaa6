import { StowageError } from '../errors/error.js';

/** `host:port`, `:port` (all interfaces, as distribution reads it), `[v6]:port`. */
export function parseAddress(addr: string): { host: string; port: number } {
  const match = /^(?:\[([0-9a-fA-F:.]+)\]|([^:[\]]*)):(\d{1,5})$/.exec(addr.trim());
  const port = Number(match?.[3]);
  if (!match || port > 65535) throw new StowageError('CONFIG_INVALID', `invalid listen address "${addr}": expected host:port`);
  const host = match[1] ?? (match[2] || '0.0.0.0');
  return { host, port };
}

/** Go durations as distribution writes them (`30s`, `1m`, `500ms`), or plain seconds. */
export function parseDuration(value: string | number, key?: string): number {
  if (typeof value === 'number') return value;
  const match = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(value.trim());
  if (!match) throw new StowageError('CONFIG_INVALID', `${key ? `${key}: ` : ''}invalid duration "${value.slice(0, 40)}"`);
  const n = Number(match[1]);
  const unit = match[2] ?? 's';
  return unit === 'ms' ? n / 1000 : unit === 'm' ? n * 60 : unit === 'h' ? n * 3600 : n;
}

/** A positive whole number (a count, or a duration in ms) for `key`; CONFIG_INVALID naming it otherwise. */
export function positive(key: string, value: number): number {
  if (!Number.isSafeInteger(value) || value <= 0) {
    throw new StowageError('CONFIG_INVALID', `${key} must be a positive whole number (a count, or a duration such as 30s), not ${String(value)}`);
  }
  return value;
}

/** A count from the file (a number) or the environment (its text). */
export function count(key: string, value: string | number): number {
  return positive(key, typeof value === 'number' ? value : Number(value.trim() || NaN));
}
