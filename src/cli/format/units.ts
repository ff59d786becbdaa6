/**
 * Sizes and durations for people, character for character as docker prints them: docker's
 * formatters call github.com/docker/go-units, so scripts and eyes used to `docker images`
 * see the same strings here ("7.8MB", "1.02kB", "2 weeks ago", even its "1e+03kB").
 */

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

/**
 * Go's fmt `%.*g` (strconv.FormatFloat(v, 'g', prec, 64)) for finite v >= 0: round the exact
 * binary value to `prec` significant digits, half to even; drop trailing zeros; use %e when
 * the exponent is < -4 or >= the precision. JS toPrecision rounds ties up and keeps zeros.
 */
export function formatG(value: number, precision: number): string {
  if (!Number.isFinite(value) || value < 0) return String(value);
  const prec = precision === 0 ? 1 : precision;
  const { digits, dp } = roundDigits(exactDecimal(value), prec);
  const nd = digits.length;
  let eprec = prec;
  if (eprec > nd && nd >= dp) eprec = nd;
  const exp = dp - 1;
  if (nd > 0 && (exp < -4 || exp >= eprec)) {
    const mantissa = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits;
    const sign = exp < 0 ? '-' : '+';
    return `${mantissa}e${sign}${String(Math.abs(exp)).padStart(2, '0')}`;
  }
  const decimals = Math.max((prec > dp ? nd : prec) - dp, 0);
  const intPart = dp > 0 ? digits.slice(0, dp).padEnd(dp, '0') : '0';
  let frac = '';
  for (let i = 0; i < decimals; i++) {
    const j = dp + i;
    frac += j >= 0 && j < nd ? digits[j] : '0';
  }
  return decimals > 0 ? `${intPart}.${frac}` : intPart;
}

interface Decimal {
  /** Significant digits, no leading or trailing zeros; empty for zero. */
  digits: string;
  /** Position of the decimal point relative to the first digit: value = 0.digits × 10^dp. */
  dp: number;
}

/** Every digit of a double's exact value (a double is mant × 2^exp, a finite decimal). */
function exactDecimal(value: number): Decimal {
  if (value === 0) return { digits: '', dp: 0 };
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, value);
  const bits = view.getBigUint64(0);
  const biased = Number((bits >> 52n) & 0x7ffn);
  let mant = bits & ((1n << 52n) - 1n);
  let exp = -1074;
  if (biased !== 0) {
    mant |= 1n << 52n;
    exp = biased - 1075;
  }
  let text: string;
  let dp: number;
  if (exp >= 0) {
    text = (mant << BigInt(exp)).toString();
    dp = text.length;
  } else {
    // mant / 2^k = mant × 5^k / 10^k
    text = (mant * 5n ** BigInt(-exp)).toString();
    dp = text.length + exp;
  }
  return trimZeros({ digits: text, dp });
}

function roundDigits(d: Decimal, prec: number): Decimal {
  if (d.digits.length <= prec) return d;
  const head = d.digits.slice(0, prec);
  const next = d.digits[prec] ?? '0';
  const restNonZero = /[1-9]/.test(d.digits.slice(prec + 1));
  const lastOdd = Number(head[head.length - 1] ?? '0') % 2 === 1;
  const up = next > '5' || (next === '5' && (restNonZero || lastOdd));
  if (!up) return trimZeros({ digits: head, dp: d.dp });
  const bumped = (BigInt(head) + 1n).toString();
  // 999 -> 1000: one more digit before the point, and the extra zero goes.
  if (bumped.length > head.length) return trimZeros({ digits: bumped.slice(0, prec), dp: d.dp + 1 });
  return trimZeros({ digits: bumped, dp: d.dp });
}

function trimZeros(d: Decimal): Decimal {
  return { digits: d.digits.replace(/0+$/, ''), dp: d.dp };
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
