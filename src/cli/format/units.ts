/**
 * Sizes and durations for people, character for character as docker prints them: docker's
 * formatters call github.com/docker/go-units, so scripts and eyes used to `docker images`
 * see the same strings here ("7.8MB", "1.02kB", "2 weeks ago", even its "1e+03kB").
 */
import { formatFloatAbs, negative } from './template/numbers.js';

const DECIMAL_UNITS = ['B', 'kB', 'MB', 'GB', 'TB', 'PB', 'EB', 'ZB', 'YB'];

/** go-units HumanSizeWithPrecision(size, 3): what `docker images` and `docker history` show as SIZE. */
export function humanSize(bytes: number): string {
  return humanSizeWithPrecision(bytes, 3);
}

/** go-units HumanSize (4 significant digits): `system df`, SHARED SIZE, "Total reclaimed space". */
export function humanSizePrecise(bytes: number): string {
  return humanSizeWithPrecision(bytes, 4);
}

/** Listings repeat sizes (images sharing layers, the same base): the exact %g is worth remembering. */
const formatted = new Map<string, string>();

/** go-units HumanSizeWithPrecision: divide by 1000 while >= 1000, then Go's `%.*g` and the unit. */
export function humanSizeWithPrecision(size: number, precision: number): string {
  const key = `${precision}:${size}`;
  const known = formatted.get(key);
  if (known !== undefined) return known;
  const text = computeHumanSize(size, precision);
  if (formatted.size < 10_000) formatted.set(key, text);
  return text;
}

function computeHumanSize(size: number, precision: number): string {
  let value = size;
  let unit = 0;
  while (value >= 1000 && unit < DECIMAL_UNITS.length - 1) {
    value /= 1000;
    unit++;
  }
  return `${formatG(value, precision)}${DECIMAL_UNITS[unit]}`;
}

/** Go's fmt `%.*g` of a size (go-units' formatting verb): strconv.FormatFloat(v, 'g', prec, 64). */
export function formatG(value: number, precision: number): string {
  return `${negative(value) ? '-' : ''}${formatFloatAbs(value, 'g', precision)}`;
}

/**
 * go-units HumanDuration: "Less than a second", "1 second", "About a minute", "About an hour",
 * hours rounded, then days, weeks, months (30 days) and years (365 days).
 */
export function humanDuration(ms: number): string {
  const seconds = Math.trunc(ms / 1000);
  if (seconds < 1) return 'Less than a second';
  if (seconds === 1) return '1 second';
  if (seconds < 60) return `${seconds} seconds`;
  const minutes = Math.trunc(ms / 60_000);
  if (minutes === 1) return 'About a minute';
  if (minutes < 60) return `${minutes} minutes`;
  const hours = Math.trunc(ms / 3_600_000 + 0.5);
  if (hours === 1) return 'About an hour';
  if (hours < 48) return `${hours} hours`;
  if (hours < 24 * 7 * 2) return `${Math.trunc(hours / 24)} days`;
  if (hours < 24 * 30 * 2) return `${Math.trunc(hours / 24 / 7)} weeks`;
  if (hours < 24 * 365 * 2) return `${Math.trunc(hours / 24 / 30)} months`;
  return `${Math.trunc(Math.trunc(ms / 3_600_000) / 24 / 365)} years`;
}

/** Docker's CREATED column: "<duration> ago" from an ISO 8601 time; "N/A" when there is none. */
export function createdSince(iso: string | undefined, now: number): string {
  const at = iso === undefined ? Number.NaN : Date.parse(iso);
  if (Number.isNaN(at)) return 'N/A';
  return `${humanDuration(now - at)} ago`;
}
