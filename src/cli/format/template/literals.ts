import type { NumberNode } from './ast.js';

/**
 * Go's literal syntax in templates: strconv.Unquote for "…", `…` and '…', and
 * parse.newNumber's reading of numbers (bases, '_', floats that are also ints).
 */

const SIMPLE_ESCAPES: Record<string, string> = { a: '\x07', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v', '\\': '\\' };

/** strconv.Unquote; throws 'invalid syntax' as Go does. */
export function unquote(quoted: string): string {
  const q = quoted[0];
  if (q === '`') {
    if (quoted.length < 2 || !quoted.endsWith('`')) throw new Error('invalid syntax');
    // Go drops carriage returns from raw strings.
    return quoted.slice(1, -1).replace(/\r/g, '');
  }
  if ((q !== '"' && q !== "'") || quoted.length < 2 || !quoted.endsWith(q)) throw new Error('invalid syntax');
  const body = quoted.slice(1, -1);
  let out = '';
  for (let i = 0; i < body.length; i++) {
    const c = body[i] as string;
    if (c === q || c === '\n') throw new Error('invalid syntax');
    if (c !== '\\') {
      out += c;
      continue;
    }
    const e = body[++i];
    if (e === undefined) throw new Error('invalid syntax');
    if (e in SIMPLE_ESCAPES) out += SIMPLE_ESCAPES[e];
    else if (e === q) out += q;
    else if (e === 'x' || e === 'u' || e === 'U') {
      const n = e === 'x' ? 2 : e === 'u' ? 4 : 8;
      const hex = body.slice(i + 1, i + 1 + n);
      if (!new RegExp(`^[0-9a-fA-F]{${n}}$`).test(hex)) throw new Error('invalid syntax');
      const code = Number.parseInt(hex, 16);
      if (e === 'x') out += q === "'" ? String.fromCodePoint(code) : Buffer.from([code]).toString('latin1');
      else {
        if (code > 0x10ffff || (code >= 0xd800 && code < 0xe000)) throw new Error('invalid syntax');
        out += String.fromCodePoint(code);
      }
      i += n;
    } else if (/[0-7]/.test(e)) {
      const oct = body.slice(i, i + 3);
      if (!/^[0-7]{3}$/.test(oct) || Number.parseInt(oct, 8) > 255) throw new Error('invalid syntax');
      out += String.fromCharCode(Number.parseInt(oct, 8));
      i += 2;
    } else throw new Error('invalid syntax');
  }
  if (q === "'" && [...out].length !== 1) throw new Error('invalid syntax');
  return out;
}

const INT64_MAX = (1n << 63n) - 1n;
const INT64_MIN = -(1n << 63n);
const UINT64_MAX = (1n << 64n) - 1n;

/** parse.newNumber: what a number literal can be (int, uint, float); throws Go's message. */
export function parseNumber(pos: number, text: string, isChar: boolean): NumberNode {
  const node: NumberNode = { type: 'number', pos, text, isInt: false, isUint: false, isFloat: false, int: 0n, float: 0, isChar };
  if (isChar) {
    const cp = unquote(text).codePointAt(0) ?? 0;
    return { ...node, isInt: true, isUint: true, isFloat: true, int: BigInt(cp), float: cp };
  }
  if (text.endsWith('i')) throw new Error(`complex number ${text} is not supported`);
  const integer = parseGoInt(text);
  if (integer !== undefined) {
    node.int = integer;
    node.isInt = integer >= INT64_MIN && integer <= INT64_MAX;
    node.isUint = integer >= 0n && integer <= UINT64_MAX;
  }
  if (node.isInt || node.isUint) {
    node.isFloat = true;
    node.float = Number(node.int);
  } else {
    const f = parseGoFloat(text);
    if (f !== undefined) {
      node.isFloat = true;
      node.float = f;
      // Go: a float that is integral is also an int.
      if (Number.isInteger(f) && Math.abs(f) < 2 ** 63) {
        node.isInt = true;
        node.int = BigInt(f);
        node.isUint = f >= 0;
      }
    }
  }
  if (!node.isInt && !node.isUint && !node.isFloat) throw new Error(`illegal number syntax: ${JSON.stringify(text)}`);
  return node;
}

/** strconv.ParseInt(text, 0, 64) without the range check: 0x, 0o, 0b, leading-0 octal, '_'. */
function parseGoInt(text: string): bigint | undefined {
  let s = text;
  let negative = false;
  if (s[0] === '+' || s[0] === '-') {
    negative = s[0] === '-';
    s = s.slice(1);
  }
  let digits: string;
  let prefix = '';
  if (/^0[xX]/.test(s)) [prefix, digits] = ['0x', s.slice(2)];
  else if (/^0[bB]/.test(s)) [prefix, digits] = ['0b', s.slice(2)];
  else if (/^0[oO]/.test(s)) [prefix, digits] = ['0o', s.slice(2)];
  else if (/^0[0-9_]/.test(s)) [prefix, digits] = ['0o', s.slice(1)];
  else digits = s;
  if (prefix === '' && digits.includes('_')) return undefined;
  digits = digits.replace(/_/g, '');
  const valid = { '0x': /^[0-9a-fA-F]+$/, '0b': /^[01]+$/, '0o': /^[0-7]+$/, '': /^[0-9]+$/ }[prefix] as RegExp;
  if (!valid.test(digits)) return undefined;
  const value = BigInt(`${prefix}${digits}`);
  return negative ? -value : value;
}

function parseGoFloat(text: string): number | undefined {
  const s = text.replace(/_/g, '');
  if (/^[+-]?0[xX]/.test(s)) {
    const m = /^([+-]?)0[xX]([0-9a-fA-F]*)(?:\.([0-9a-fA-F]*))?[pP]([+-]?\d+)$/.exec(s);
    if (!m) return undefined;
    const mantissa = Number.parseInt(`${m[2] ?? ''}${m[3] ?? ''}` || '0', 16) / 16 ** (m[3]?.length ?? 0);
    return (m[1] === '-' ? -1 : 1) * mantissa * 2 ** Number(m[4]);
  }
  if (!/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(s)) return undefined;
  return Number(s);
}
