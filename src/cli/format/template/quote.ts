/** strconv's quoting, as fmt's %q and %c print strings and runes. */

/** A rune as a string; invalid code points are U+FFFD, as Go converts them. */
export function runeString(n: bigint): string {
  const cp = Number(n);
  if (n < 0n || n > 0x10ffffn || (cp >= 0xd800 && cp < 0xe000)) return '\ufffd';
  return String.fromCodePoint(cp);
}

/** unicode.IsPrint, near enough: letters, marks, numbers, punctuation, symbols and ' '. */
const PRINTABLE = /^[\p{L}\p{M}\p{N}\p{P}\p{S} ]$/u;
const ESCAPES: Record<string, string> = { '\x07': '\\a', '\b': '\\b', '\f': '\\f', '\n': '\\n', '\r': '\\r', '\t': '\\t', '\v': '\\v' };

/** strconv.Quote (asciiOnly: QuoteToASCII). */
export function quote(s: string, asciiOnly = false): string {
  return `"${[...s].map((c) => quoteChar(c, '"', asciiOnly)).join('')}"`;
}

export function quoteRune(n: bigint): string {
  return `'${quoteChar(runeString(n), "'", false)}'`;
}

function quoteChar(c: string, q: string, asciiOnly: boolean): string {
  if (c === q || c === '\\') return `\\${c}`;
  const cp = c.codePointAt(0) as number;
  if (PRINTABLE.test(c) && (!asciiOnly || cp < 0x80)) return c;
  if (ESCAPES[c]) return ESCAPES[c] as string;
  if (cp < 0x20 || cp === 0x7f) return `\\x${cp.toString(16).padStart(2, '0')}`;
  if (cp < 0x10000) return `\\u${cp.toString(16).padStart(4, '0')}`;
  return `\\U${cp.toString(16).padStart(8, '0')}`;
}
