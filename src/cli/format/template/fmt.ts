import { formatFloatAbs, formatIntAbs, negative } from './numbers.js';
import { quote, quoteRune, runeString } from './quote.js';
import { goTimeString } from './time.js';
import { fieldValue, intOf, isNil, mapEntries, sliceItems, typeName, val, type Val } from './values.js';

/**
 * Go's fmt for template values: Sprint, Sprintln and Sprintf with the verbs %v %+v %s %q %d
 * %b %o %O %x %X %c %U %e %E %f %F %g %G %t %T %%, flags "+-# 0", width and precision
 * (also `*`), explicit argument indexes %[n]d, and Go's complaints: %!d(string=x),
 * %!s(MISSING), %!(EXTRA int=1), %!(NOVERB). Pointers inside a value print as &{…}, where
 * Go would print an address.
 */

interface Flags {
  plus: boolean;
  minus: boolean;
  sharp: boolean;
  space: boolean;
  zero: boolean;
  width: number | undefined;
  prec: number | undefined;
}

const NO_FLAGS: Flags = { plus: false, minus: false, sharp: false, space: false, zero: false, width: undefined, prec: undefined };

/** fmt.Sprint: spaces between operands when neither is a string. */
export function sprint(args: Val[]): string {
  let out = '';
  args.forEach((arg, i) => {
    const isString = arg.t.k === 'string';
    if (i > 0 && !isString && args[i - 1]?.t.k !== 'string') out += ' ';
    out += formatValue(arg, 'v', NO_FLAGS, 0);
  });
  return out;
}

export function sprintln(args: Val[]): string {
  return `${args.map((arg) => formatValue(arg, 'v', NO_FLAGS, 0)).join(' ')}\n`;
}

/** fmt.Sprintf. */
export function sprintf(format: string, args: Val[]): string {
  let out = '';
  let argNum = 0;
  let reordered = false;
  let i = 0;
  while (i < format.length) {
    const pct = format.indexOf('%', i);
    if (pct < 0) {
      out += format.slice(i);
      break;
    }
    out += format.slice(i, pct);
    i = pct + 1;
    const flags: Flags = { ...NO_FLAGS };
    for (; i < format.length; i++) {
      const c = format[i];
      if (c === '+') flags.plus = true;
      else if (c === '-') flags.minus = true;
      else if (c === '#') flags.sharp = true;
      else if (c === ' ') flags.space = true;
      else if (c === '0') flags.zero = true;
      else break;
    }
    // An explicit index [n] may come before the width, the precision or the verb.
    const index = (): boolean => {
      const m = /^\[(\d+)\]/.exec(format.slice(i));
      if (!m) return true;
      reordered = true;
      i += m[0].length;
      const n = Number(m[1]);
      if (n < 1 || n > args.length) return false;
      argNum = n - 1;
      return true;
    };
    let good = index();
    const readNumber = (): number | undefined => {
      const m = /^\d+/.exec(format.slice(i));
      if (!m) return undefined;
      i += m[0].length;
      return Number(m[0]);
    };
    let badWidth = false;
    let badPrec = false;
    if (format[i] === '*') {
      i++;
      const arg = args[argNum++];
      if (arg && (arg.t.k === 'int' || arg.t.k === 'uint')) {
        let w = Number(intOf(arg));
        if (w < 0) {
          flags.minus = true;
          w = -w;
        }
        flags.width = w;
      } else badWidth = true;
      good = index() && good;
    } else flags.width = readNumber();
    if (format[i] === '.') {
      i++;
      good = index() && good;
      if (format[i] === '*') {
        i++;
        const arg = args[argNum++];
        if (arg && (arg.t.k === 'int' || arg.t.k === 'uint') && intOf(arg) >= 0n) flags.prec = Number(intOf(arg));
        else badPrec = true;
      } else flags.prec = readNumber() ?? 0;
      good = index() && good;
    }
    if (flags.minus) flags.zero = false;
    if (i >= format.length) {
      out += '%!(NOVERB)';
      break;
    }
    const verb = String.fromCodePoint(format.codePointAt(i) as number);
    i += verb.length;
    if (badWidth) out += '%!(BADWIDTH)';
    if (badPrec) out += '%!(BADPREC)';
    if (verb === '%') {
      out += '%';
      continue;
    }
    if (!good) {
      out += `%!${verb}(BADINDEX)`;
      continue;
    }
    const arg = args[argNum];
    if (arg === undefined) {
      out += `%!${verb}(MISSING)`;
      continue;
    }
    argNum++;
    const plusV = verb === 'v' && flags.plus;
    out += formatValue(arg, verb, plusV ? { ...flags, plus: false } : flags, 0, plusV);
  }
  if (!reordered && argNum < args.length) {
    out += `%!(EXTRA ${args
      .slice(argNum)
      .map((a) => (isNilInterface(a) ? '<nil>' : `${typeName(a.t)}=${formatValue(a, 'v', NO_FLAGS, 0)}`))
      .join(', ')})`;
  }
  return out;
}

function isNilInterface(x: Val): boolean {
  return x.t.k === 'invalid' || (x.t.k === 'iface' && isNil(x));
}

/** One value under one verb (fmt's printArg / printValue). */
export function formatValue(x: Val, verb: string, flags: Flags, depth: number, plusV = false): string {
  if (verb === 'T') return pad(isNilInterface(x) ? '<nil>' : typeName(x.t), flags);
  if (isNilInterface(x)) return verb === 'v' ? pad('<nil>', flags) : `%!${verb}(<nil>)`;
  const t = x.t;
  switch (t.k) {
    case 'bool':
      return verb === 't' || verb === 'v' ? pad(String(x.v), flags) : bad(x, verb);
    case 'int':
    case 'uint':
      return formatInteger(x, verb, flags);
    case 'float':
      return formatFloat(x, verb, flags);
    case 'string':
      return formatString(x, String(x.v), verb, flags);
    case 'time':
      return verb === 'v' || verb === 's' || verb === 'q' || verb === 'x' || verb === 'X'
        ? formatString(x, goTimeString(String(x.v)), verb, flags)
        : bad(x, verb);
    case 'ptr': {
      if (isNil(x)) return verb === 'v' ? pad('<nil>', flags) : bad(x, verb);
      const inner = val(t.elem, x.v);
      if (inner.t.k === 'struct' || inner.t.k === 'slice' || inner.t.k === 'map') return `&${formatValue(inner, verb, flags, depth + 1, plusV)}`;
      return formatValue(inner, verb, flags, depth + 1, plusV);
    }
    case 'slice':
      return `[${sliceItems(x)
        .map((item) => formatValue(item, verb, flags, depth + 1, plusV))
        .join(' ')}]`;
    case 'map':
      return `map[${mapEntries(x)
        .map(([k, v]) => `${formatValue(val({ k: 'string' }, k), verb, flags, depth + 1, plusV)}:${formatValue(v, verb, flags, depth + 1, plusV)}`)
        .join(' ')}]`;
    case 'struct':
      return `{${t.fields.map((f) => `${plusV ? `${f.name}:` : ''}${formatValue(fieldValue(x, f), verb, flags, depth + 1, plusV)}`).join(' ')}}`;
    default:
      return bad(x, verb);
  }
}

function bad(x: Val, verb: string): string {
  return `%!${verb}(${typeName(x.t)}=${formatValue(x, 'v', NO_FLAGS, 0)})`;
}

/** Width padding, in runes; zeros only where Go puts them (left, no '-'). */
function pad(s: string, flags: Flags, zeros = flags.zero): string {
  if (flags.width === undefined) return s;
  const n = flags.width - [...s].length;
  if (n <= 0) return s;
  if (flags.minus) return s + ' '.repeat(n);
  return (zeros ? '0' : ' ').repeat(n) + s;
}

function formatInteger(x: Val, verb: string, flags: Flags): string {
  const n = intOf(x);
  const unsigned = x.t.k === 'uint';
  switch (verb) {
    case 'c':
      return pad(runeString(n), flags, false);
    case 'q':
      return pad(quoteRune(n), flags, false);
    case 'U': {
      let s = `U+${formatIntAbs(n, 16, true).padStart(4, '0')}`;
      if (flags.sharp && n >= 0n && n <= 0x10ffffn) s += ` '${runeString(n)}'`;
      return pad(s, flags, false);
    }
  }
  const bases: Record<string, number> = { v: 10, d: 10, b: 2, o: 8, O: 8, x: 16, X: 16 };
  const base = bases[verb];
  if (base === undefined) return bad(x, verb);
  let digits = n === 0n && flags.prec === 0 ? '' : formatIntAbs(n, base, verb === 'X');
  let prec = flags.prec;
  // fmtInteger: '0' with a width (and no precision) pads to the width after the sign.
  const sign = n < 0n ? '-' : flags.plus ? '+' : flags.space && !unsigned ? ' ' : '';
  let prefix = '';
  if (verb === 'O') prefix = '0o';
  else if (flags.sharp) {
    if (base === 2) prefix = '0b';
    else if (base === 8 && !digits.startsWith('0')) prefix = '0';
    else if (base === 16) prefix = verb === 'X' ? '0X' : '0x';
  }
  if (prec === undefined && flags.zero && flags.width !== undefined) prec = flags.width - sign.length - prefix.length;
  if (prec !== undefined && digits.length < prec) digits = '0'.repeat(prec - digits.length) + digits;
  return pad(sign + prefix + digits, flags, false);
}

function formatFloat(x: Val, verb: string, flags: Flags): string {
  const f = x.v as number;
  const verbs: Record<string, 'e' | 'E' | 'f' | 'F' | 'g' | 'G'> = { v: 'g', e: 'e', E: 'E', f: 'f', F: 'f', g: 'g', G: 'G' };
  const v = verbs[verb];
  if (v === undefined) return bad(x, verb);
  const defaultPrec = v === 'g' || v === 'G' ? -1 : 6;
  const body = formatFloatAbs(f, v, flags.prec ?? defaultPrec);
  const sign = negative(f) && !Number.isNaN(f) ? '-' : flags.plus ? '+' : flags.space ? ' ' : Number.isFinite(f) || Number.isNaN(f) ? '' : '+';
  if (!Number.isFinite(f)) return pad(sign + body, flags, false);
  if (flags.zero && flags.width !== undefined && !flags.minus) {
    const n = flags.width - sign.length - body.length;
    return sign + (n > 0 ? '0'.repeat(n) : '') + body;
  }
  return pad(sign + body, flags);
}

function formatString(x: Val, s: string, verb: string, flags: Flags): string {
  switch (verb) {
    case 'v':
    case 's':
      return pad(flags.prec === undefined ? s : [...s].slice(0, flags.prec).join(''), flags);
    case 'q': {
      const text = flags.prec === undefined ? s : [...s].slice(0, flags.prec).join('');
      if (flags.sharp && !/[`\x00-\x08\x0a-\x1f\x7f\ufeff]/.test(text)) return pad(`\`${text}\``, flags);
      return pad(quote(text, flags.plus), flags);
    }
    case 'x':
    case 'X': {
      let bytes = [...Buffer.from(s)];
      if (flags.prec !== undefined) bytes = bytes.slice(0, flags.prec);
      const hex = bytes.map((b) => b.toString(16).padStart(2, '0')).map((h) => (verb === 'X' ? h.toUpperCase() : h));
      const prefix = flags.sharp ? (verb === 'X' ? '0X' : '0x') : '';
      const out = flags.space ? hex.map((h) => prefix + h).join(' ') : prefix + hex.join('');
      return pad(out, flags);
    }
    default:
      return bad(x, verb);
  }
}
