/**
 * The lexer of Go's text/template (text/template/parse/lex.go), so that `--format` reads a
 * template exactly as docker does: `{{`/`}}` delimiters, `{{- `/` -}}` trim markers, comments
 * `{{/* … *\/}}`, and inside an action fields, variables, strings, raw strings, characters,
 * numbers, `:=`, `=`, `|`, parentheses and keywords. Positions are byte offsets into the
 * source, as Go's error messages count them.
 */

export type TokenType =
  | 'text'
  | 'leftDelim'
  | 'rightDelim'
  | 'space'
  | 'identifier'
  | 'field'
  | 'variable'
  | 'dot'
  | 'string'
  | 'rawString'
  | 'charConstant'
  | 'number'
  | 'bool'
  | 'nil'
  | 'pipe'
  | 'leftParen'
  | 'rightParen'
  | 'declare'
  | 'assign'
  | 'char'
  | 'keyword'
  | 'comment'
  | 'eof'
  | 'error';

export interface Token {
  type: TokenType;
  /** The token's text (for 'keyword' the keyword; for 'error' the message). */
  value: string;
  /** Byte offset in the source. */
  pos: number;
  line: number;
}

const KEYWORDS = new Set(['block', 'break', 'continue', 'define', 'else', 'end', 'if', 'range', 'template', 'with']);

const SPACE = /[ \t\r\n]/;
const ALNUM = /[\p{L}\p{Nd}_]/u;

/** Tokenizes a whole template; an 'error' token ends the list. */
export function lex(source: string): Token[] {
  const lexer = new Lexer(source);
  lexer.run();
  return lexer.tokens;
}

class Lexer {
  readonly tokens: Token[] = [];
  private pos = 0;
  private start = 0;
  private line = 1;
  private startLine = 1;
  private parenDepth = 0;
  /** Byte offsets: Go counts positions in bytes, JS strings in UTF-16 units. */
  private readonly byteAt: (index: number) => number;

  constructor(private readonly src: string) {
    // Go counts positions in bytes; ASCII templates need no translation.
    if (/^[\x00-\x7f]*$/.test(src)) this.byteAt = (i) => i;
    else this.byteAt = (i) => Buffer.byteLength(src.slice(0, i));
  }

  run(): void {
    for (;;) {
      if (!this.lexText()) return;
      if (!this.lexAction()) return;
    }
  }

  private emit(type: TokenType, value = this.src.slice(this.start, this.pos)): void {
    this.tokens.push({ type, value, pos: this.byteAt(this.start), line: this.startLine });
    this.start = this.pos;
    this.startLine = this.line;
  }

  private advance(n: number): void {
    for (let i = 0; i < n; i++) if (this.src[this.pos + i] === '\n') this.line++;
    this.pos += n;
  }

  private ignore(): void {
    this.start = this.pos;
    this.startLine = this.line;
  }

  private fail(message: string): false {
    this.tokens.push({ type: 'error', value: message, pos: this.byteAt(this.start), line: this.startLine });
    return false;
  }

  /** Text up to the next `{{`; returns false at the end. */
  private lexText(): boolean {
    const open = this.src.indexOf('{{', this.pos);
    if (open < 0) {
      this.advance(this.src.length - this.pos);
      if (this.pos > this.start) this.emit('text');
      this.emit('eof', '');
      return false;
    }
    const trim = this.hasLeftTrim(open);
    let end = open;
    if (trim) while (end > this.start && SPACE.test(this.src[end - 1] as string)) end--;
    this.advance(end - this.pos);
    if (this.pos > this.start) this.emit('text');
    this.advance(open - this.pos);
    this.ignore();
    return true;
  }

  private hasLeftTrim(open: number): boolean {
    return this.src[open + 2] === '-' && SPACE.test(this.src[open + 3] ?? '');
  }

  /** Go's atRightDelim: `}}`, or ` -}}` (a space, the marker, the delimiter). */
  private atRightDelim(): { delim: boolean; trim: boolean } {
    if (SPACE.test(this.src[this.pos] ?? '') && this.src.startsWith('-}}', this.pos + 1)) return { delim: true, trim: true };
    return { delim: this.src.startsWith('}}', this.pos), trim: false };
  }

  /** From `{{` to `}}`. */
  private lexAction(): boolean {
    const marker = this.hasLeftTrim(this.pos) ? 2 : 0;
    // A comment emits no delimiters (Go drops comments unless asked to keep them).
    if (this.src.startsWith('/*', this.pos + 2 + marker)) {
      this.advance(2 + marker);
      this.ignore();
      return this.lexComment();
    }
    this.advance(2);
    this.emit('leftDelim', '{{');
    this.advance(marker);
    this.ignore();
    for (;;) {
      const right = this.atRightDelim();
      if (right.delim) {
        if (this.parenDepth === 0) return this.lexRightDelim(right.trim);
        return this.fail('unclosed left paren');
      }
      if (!this.lexInsideAction()) return false;
    }
  }

  private lexRightDelim(trim: boolean): boolean {
    if (trim) {
      this.advance(2);
      this.ignore();
    }
    this.advance(2);
    this.emit('rightDelim', '}}');
    if (trim) {
      while (this.pos < this.src.length && SPACE.test(this.src[this.pos] as string)) this.advance(1);
      this.ignore();
    }
    return true;
  }

  private lexComment(): boolean {
    const close = this.src.indexOf('*/', this.pos + 2);
    if (close < 0) return this.fail('unclosed comment');
    this.advance(close + 2 - this.pos);
    const right = this.atRightDelim();
    if (!right.delim) return this.fail('comment ends before closing delimiter');
    this.advance(right.trim ? 4 : 2);
    if (right.trim) while (this.pos < this.src.length && SPACE.test(this.src[this.pos] as string)) this.advance(1);
    this.ignore();
    return true;
  }

  /** One token inside an action. */
  private lexInsideAction(): boolean {
    const c = this.src[this.pos];
    if (c === undefined) return this.fail('unclosed action');
    if (SPACE.test(c)) {
      // Go's lexSpace: a run of spaces, except the one that starts a " -}}" marker.
      let n = 0;
      while (SPACE.test(this.src[this.pos + n] ?? '')) n++;
      if (this.src.startsWith('-}}', this.pos + n)) n--;
      if (n === 0) return true;
      this.advance(n);
      this.emit('space');
      return true;
    }
    if (c === '=') return this.single('assign');
    if (c === ':') {
      if (this.src[this.pos + 1] !== '=') return this.fail('expected :=');
      this.advance(2);
      this.emit('declare');
      return true;
    }
    if (c === '|') return this.single('pipe');
    if (c === '"') return this.lexQuoted('string');
    if (c === '`') return this.lexQuoted('rawString');
    if (c === '$') return this.lexVariable();
    if (c === "'") return this.lexQuoted('charConstant');
    if (c === '.') {
      const next = this.src[this.pos + 1] ?? '';
      if (!/[0-9]/.test(next)) return this.lexField();
      return this.lexNumber();
    }
    if (c === '+' || c === '-' || /[0-9]/.test(c)) return this.lexNumber();
    if (ALNUM.test(c)) return this.lexIdentifier();
    if (c === '(') {
      this.parenDepth++;
      return this.single('leftParen');
    }
    if (c === ')') {
      this.parenDepth--;
      if (this.parenDepth < 0) return this.fail('unexpected right paren');
      return this.single('rightParen');
    }
    const code = c.codePointAt(0) ?? 0;
    if (code <= 0x7f && code >= 0x20) return this.single('char');
    return this.fail(`unrecognized character in action: U+${code.toString(16).toUpperCase().padStart(4, '0')}`);
  }

  private single(type: TokenType): boolean {
    this.advance(1);
    this.emit(type);
    return true;
  }

  /** "…" and '…' end at their closing quote on the same line; `…` at the next backquote. */
  private lexQuoted(type: 'string' | 'rawString' | 'charConstant'): boolean {
    const end = quotedEnd(this.src, this.pos);
    if (end < 0)
      return this.fail(
        type === 'string' ? 'unterminated quoted string' : type === 'rawString' ? 'unterminated raw quoted string' : 'unterminated character constant',
      );
    this.advance(end - this.pos);
    this.emit(type);
    return true;
  }

  private alnumRun(from: number): number {
    let i = from;
    while (i < this.src.length && ALNUM.test(this.src[i] as string)) i++;
    return i;
  }

  private lexVariable(): boolean {
    const end = this.alnumRun(this.pos + 1);
    this.advance(end - this.pos);
    this.emit('variable');
    return this.checkTerminator();
  }

  private lexField(): boolean {
    const end = this.alnumRun(this.pos + 1);
    this.advance(end - this.pos);
    this.emit(end === this.start + 1 ? 'dot' : 'field');
    return this.checkTerminator();
  }

  private lexIdentifier(): boolean {
    const end = this.alnumRun(this.pos);
    this.advance(end - this.pos);
    const word = this.src.slice(this.start, this.pos);
    if (KEYWORDS.has(word)) this.emit('keyword');
    else if (word === 'true' || word === 'false') this.emit('bool');
    else if (word === 'nil') this.emit('nil');
    else this.emit('identifier');
    return this.checkTerminator();
  }

  /** Go: a word must be followed by space, `.`, `,`, `|`, `:`, `(`, `)` or the delimiter. */
  private checkTerminator(): boolean {
    const c = this.src[this.pos];
    if (c === undefined || SPACE.test(c) || '.,|:()'.includes(c) || this.src.startsWith('}}', this.pos)) return true;
    const bad = this.tokens.pop() as Token;
    this.start = this.pos - bad.value.length;
    return this.fail(`bad character U+${(c.codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, '0')} '${c}'`);
  }

  /** Go's scanNumber: sign, 0x/0o/0b, digits with '_', fraction, exponent, imaginary 'i'. */
  private lexNumber(): boolean {
    const rest = this.src.slice(this.pos);
    const match = /^[+-]?(0[xX][0-9a-fA-F_]*(\.[0-9a-fA-F_]*)?([pP][+-]?[0-9_]+)?|0[bB][01_]*|0[oO][0-7_]*|[0-9_]*(\.[0-9_]*)?([eE][+-]?[0-9_]+)?)i?/.exec(
      rest,
    );
    const text = match?.[0] ?? '';
    if (text === '' || text === '+' || text === '-' || ALNUM.test(rest[text.length] ?? '')) {
      const end = this.alnumRun(this.pos + Math.max(text.length, 1));
      return this.fail(`bad number syntax: "${this.src.slice(this.pos, end)}"`);
    }
    this.advance(text.length);
    this.emit('number');
    return true;
  }
}

/** Where a quoted literal starting at `pos` ends (past its closing quote), or -1. */
function quotedEnd(src: string, pos: number): number {
  const q = src[pos] as string;
  if (q === '`') {
    const close = src.indexOf('`', pos + 1);
    return close < 0 ? -1 : close + 1;
  }
  for (let i = pos + 1; ; i++) {
    const c = src[i];
    if (c === undefined || c === '\n') return -1;
    if (c === '\\') i++;
    else if (c === q) return i + 1;
  }
}
