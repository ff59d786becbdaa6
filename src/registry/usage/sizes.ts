import { StowageError } from '../../errors/error.js';

/** Multipliers of the units a size may be written in, lowercased. */
const UNITS: Record<string, number> = {
  '': 1,
  b: 1,
  k: 1e3,
  kb: 1e3,
  m: 1e6,
  mb: 1e6,
  g: 1e9,
  gb: 1e9,
  t: 1e12,
  tb: 1e12,
  p: 1e15,
  pb: 1e15,
  ki: 2 ** 10,
  kib: 2 ** 10,
  mi: 2 ** 20,
  mib: 2 ** 20,
  gi: 2 ** 30,
  gib: 2 ** 30,
  ti: 2 ** 40,
  tib: 2 ** 40,
  pi: 2 ** 50,
  pib: 2 ** 50,
};

/**
 * Bytes from a size as people write it: a number of bytes, or a number and a unit, decimal
 * (kB, MB, GB, TB, PB, or k, M, G as Kubernetes and go-units' FromHumanSize read them) or
 * binary (KiB, MiB, GiB, TiB, PiB, or Ki, Mi, Gi), case-insensitive. Hand-written: npm's
 * `bytes` reads "1MB" as 2^20, which would make a quota written in MB a different size than
 * docker and Kubernetes say. Throws a message without the key; the caller names it.
 */
export function parseSize(value: string | number): number {
  if (typeof value === 'number') {
    if (!Number.isSafeInteger(value) || value < 0) throw new StowageError('CONFIG_INVALID', `a size must be a whole number of bytes, not ${value}`);
    return value;
  }
  const match = /^(\d+(?:\.\d+)?)\s*([a-zA-Z]*)$/.exec(value.trim());
  const unit = match ? UNITS[match[2]!.toLowerCase()] : undefined;
  if (!match || unit === undefined) {
    throw new StowageError('CONFIG_INVALID', `invalid size "${value.slice(0, 40)}": expected bytes, or a number with a unit such as 500MB or 10GiB`);
  }
  const bytes = Math.round(Number(match[1]) * unit);
  if (!Number.isSafeInteger(bytes)) throw new StowageError('CONFIG_INVALID', `size "${value.slice(0, 40)}" is too large`);
  return bytes;
}

/**
 * A size for a message: decimal units with up to 3 significant digits ("1.2 GB", "512 B"), as
 * docker shows sizes. Not src/cli/format/units.ts: the registry cannot import the CLI.
 */
export function describeSize(bytes: number): string {
  const units = ['B', 'kB', 'MB', 'GB', 'TB', 'PB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit++;
  }
  return `${unit === 0 ? value : Number(value.toPrecision(3))} ${units[unit]}`;
}
