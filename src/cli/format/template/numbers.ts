/**
 * Go's number formatting (strconv.FormatFloat / fmt's %e %f %g %v and integer bases), which
 * JS's toString/toFixed do not match: Go's %v of 1e6 is "1e+06", exponents have two digits
 * at least, and ties round to even on the exact binary value ("%.0f" of 2.5 is "2").
 */

interface Digits {
  /** Significant decimal digits, no leading or trailing zeros ('' for zero). */
  d: string;
  /** Decimal point position: the value is 0.d × 10^dp. */
  dp: number;
}

/** The exact decimal expansion of a finite, non-negative double. */
function exactDigits(x: number): Digits {
  if (x === 0) return { d: '', dp: 0 };
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, x);
  const bits = view.getBigUint64(0);
  const biased = Number((bits >> 52n) & 0x7ffn);
  let mantissa = bits & ((1n << 52n) - 1n);
  let exp: number;
  if (biased === 0) exp = -1074;
  else {
    mantissa |= 1n << 52n;
    exp = biased - 1075;
  }
  let text: string;
  let dp: number;
  if (exp >= 0) {
    text = (mantissa << BigInt(exp)).toString();
    dp = text.length;
  } else {
    text = (mantissa * 5n ** BigInt(-exp)).toString();
    dp = text.length + exp;
  }
  return trim({ d: text, dp });
}

/** The shortest digits that read back as x (JS and Go agree on these). */
function shortestDigits(x: number): Digits {
  if (x === 0) return { d: '', dp: 0 };
  const [mant, e] = x.toExponential().split('e') as [string, string];
  return trim({ d: mant.replace('.', ''), dp: Number(e) + 1 });
}

function trim(digits: Digits): Digits {
  let d = digits.d;
  let dp = digits.dp;
  const lead = /^0*/.exec(d)?.[0].length ?? 0;
  d = d.slice(lead);
  dp -= lead;
  d = d.replace(/0+$/, '');
  return d === '' ? { d: '', dp: 0 } : { d, dp };
}

/** strconv's decimal.Round to nd digits: half to even on the exact value. */
function round(digits: Digits, nd: number): Digits {
  const { d, dp } = digits;
  if (nd < 0) return { d: '', dp: 0 };
  if (nd >= d.length) return digits;
  const next = d.charCodeAt(nd) - 48;
  let up = next > 5;
  if (next === 5) up = nd + 1 < d.length || (nd > 0 && (d.charCodeAt(nd - 1) - 48) % 2 === 1);
  if (!up) return trim({ d: d.slice(0, nd), dp });
  const kept = d.slice(0, nd).split('').map(Number);
  let i = kept.length - 1;
  while (i >= 0 && kept[i] === 9) kept[i--] = 0;
  if (i < 0) return { d: '1', dp: dp + 1 };
  kept[i] = (kept[i] as number) + 1;
  return trim({ d: kept.join(''), dp });
}

function digitAt(digits: Digits, i: number): string {
  return i >= 0 && i < digits.d.length ? (digits.d[i] as string) : '0';
}

function fmtE(digits: Digits, prec: number, e: 'e' | 'E'): string {
  let s = digitAt(digits, 0);
  if (prec > 0) {
    s += '.';
    for (let i = 1; i <= prec; i++) s += digitAt(digits, i);
  }
  const exp = digits.d === '' ? 0 : digits.dp - 1;
  const abs = Math.abs(exp);
  return `${s}${e}${exp < 0 ? '-' : '+'}${abs < 10 ? `0${abs}` : abs}`;
}

function fmtF(digits: Digits, prec: number): string {
  let s = '';
  if (digits.dp > 0) for (let i = 0; i < digits.dp; i++) s += digitAt(digits, i);
  else s = '0';
  if (prec > 0) {
    s += '.';
    for (let i = 0; i < prec; i++) s += digitAt(digits, digits.dp + i);
  }
  return s;
}

/**
 * strconv.FormatFloat(x, verb, prec, 64) without the sign (the caller adds it): prec -1 is
 * the shortest representation. Infinities and NaN are "Inf" and "NaN".
 */
export function formatFloatAbs(x: number, verb: 'e' | 'E' | 'f' | 'F' | 'g' | 'G', prec: number): string {
  const abs = Math.abs(x);
  if (Number.isNaN(x)) return 'NaN';
  if (!Number.isFinite(x)) return 'Inf';
  const shortest = prec < 0;
  const lower = verb.toLowerCase();
  let digits: Digits;
  if (shortest) digits = shortestDigits(abs);
  else {
    const exact = exactDigits(abs);
    if (lower === 'e') digits = round(exact, prec + 1);
    else if (lower === 'f') digits = round(exact, exact.dp + prec);
    else digits = round(exact, prec === 0 ? 1 : prec);
  }
  const e = verb === 'E' || verb === 'G' ? 'E' : 'e';
  if (lower === 'e') return fmtE(digits, shortest ? Math.max(digits.d.length - 1, 0) : prec, e);
  if (lower === 'f') return fmtF(digits, shortest ? Math.max(digits.d.length - digits.dp, 0) : prec);
  let p = shortest ? digits.d.length : prec === 0 ? 1 : prec;
  let eprec = p;
  if (eprec > digits.d.length && digits.d.length >= digits.dp) eprec = digits.d.length;
  if (shortest) eprec = 6;
  const exp = digits.dp - 1;
  if (digits.d !== '' && (exp < -4 || exp >= eprec)) {
    if (p > digits.d.length) p = digits.d.length;
    return fmtE(digits, p - 1, e);
  }
  if (p > digits.dp) p = digits.d.length;
  return fmtF(digits, Math.max(p - digits.dp, 0));
}

/** Whether x's sign is negative (including -0), as Go prints "-0". */
export function negative(x: number): boolean {
  return x < 0 || Object.is(x, -0);
}

/** strconv.FormatInt of |n| in a base, upper or lower case. */
export function formatIntAbs(n: bigint, base: number, upper: boolean): string {
  const s = (n < 0n ? -n : n).toString(base);
  return upper ? s.toUpperCase() : s;
}
