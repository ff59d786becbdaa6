import type { Token } from './lexer.js';
import { unquote } from './literals.js';

export class TemplateSyntaxError extends Error {}

/** The parser's token stream (parse.go's next/backup/peek), and its errors in Go's words. */
export class TokenStream {
  protected index = 0;
  protected current: Token;

  constructor(protected readonly tokens: Token[]) {
    this.current = tokens[0] as Token;
  }

  protected next(): Token {
    const token = this.tokens[this.index] ?? (this.tokens[this.tokens.length - 1] as Token);
    if (this.index < this.tokens.length) this.index++;
    this.current = token;
    return token;
  }

  protected backup(n = 1): void {
    this.index -= n;
  }

  protected peek(): Token {
    return this.tokens[this.index] ?? (this.tokens[this.tokens.length - 1] as Token);
  }

  protected nextNonSpace(): Token {
    let token = this.next();
    while (token.type === 'space') token = this.next();
    return token;
  }

  protected peekNonSpace(): Token {
    const token = this.nextNonSpace();
    this.backup();
    return token;
  }

  /** parse.go errorf: "template: :LINE: message". */
  protected fail(message: string): never {
    throw new TemplateSyntaxError(`template: :${this.current.line}: ${message}`);
  }

  protected unexpected(token: Token, context: string): never {
    if (token.type === 'error') this.fail(token.value);
    this.fail(`unexpected ${tokenString(token)} in ${context}`);
  }

  protected expect(type: Token['type'], context: string): Token {
    const token = this.nextNonSpace();
    if (token.type !== type) this.unexpected(token, context);
    return token;
  }

  protected unquote(quoted: string): string {
    try {
      return unquote(quoted);
    } catch (err) {
      this.fail((err as Error).message);
    }
  }
}

/** Go's item.String(), as its "unexpected …" messages print a token. */
function tokenString(token: Token): string {
  if (token.type === 'eof') return 'EOF';
  if (token.type === 'error') return token.value;
  // Go's keyword items include dot and nil: they print as <.> and <nil>.
  if (token.type === 'keyword' || token.type === 'dot' || token.type === 'nil') return `<${token.value}>`;
  if ([...token.value].length > 10) return `${JSON.stringify([...token.value].slice(0, 10).join(''))}...`;
  return JSON.stringify(token.value);
}
