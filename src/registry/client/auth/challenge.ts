/**
 * `WWW-Authenticate` parsing (RFC 7235 §4.1, §2.1):
 *
 *   WWW-Authenticate = 1#challenge
 *   challenge        = auth-scheme [ 1*SP ( token68 / #auth-param ) ]
 *   auth-param       = token BWS "=" BWS ( token / quoted-string )
 *
 * Several challenges may share one header (`Newauth realm="a", Basic realm="b"`), and a
 * response may carry several headers. A challenge ends where a bare token that is not
 * followed by `=` starts the next one. Registries are not always tidy, so this never throws:
 * junk is skipped up to the next comma and whatever parsed cleanly is returned.
 */
export interface Challenge {
  /** Lowercased: 'bearer' | 'basic' | … */
  scheme: string;
  /** realm, service, scope, error… (keys lowercased, values as sent, unquoted). */
  params: Record<string, string>;
  /** The token68 form (`Negotiate abc==`), when the challenge used it instead of params. */
  token68?: string;
}

// RFC 9110 §5.6.2 tchar.
const TCHAR = /[!#$%&'*+\-.^_`|~0-9A-Za-z]/;
// RFC 7235 §2.1 token68 characters (before any trailing '=').
const T68CHAR = /[-._~+/0-9A-Za-z]/;

export function parseWwwAuthenticate(header: string | string[] | undefined): Challenge[] {
  if (header === undefined) return [];
  const headers = Array.isArray(header) ? header : [header];
  const out: Challenge[] = [];
  for (const h of headers) if (typeof h === 'string') new ChallengeParser(h).parseInto(out);
  return out;
}

class ChallengeParser {
  private i = 0;

  constructor(private readonly s: string) {}

  parseInto(out: Challenge[]): void {
    while (this.i < this.s.length) {
      this.skip(/[\s,]/);
      if (this.i >= this.s.length) break;
      const scheme = this.token();
      if (!scheme) {
        this.skipToComma();
        continue;
      }
      const challenge: Challenge = { scheme: scheme.toLowerCase(), params: {} };
      out.push(challenge);
      // A scheme is separated from its parameters by at least one space; a comma right after
      // it means a challenge without parameters.
      if (!this.at(/[ \t]/)) continue;
      this.skip(/[ \t]/);
      const t68 = this.token68();
      if (t68 !== undefined) challenge.token68 = t68;
      else this.params(challenge);
    }
  }

  /** auth-params up to the start of the next challenge (a token not followed by '='). */
  private params(challenge: Challenge): void {
    for (;;) {
      this.skip(/[\s,]/);
      if (this.i >= this.s.length) return;
      const start = this.i;
      const name = this.token();
      if (!name) {
        this.skipToComma();
        continue;
      }
      this.skip(/[ \t]/);
      if (this.s[this.i] !== '=') {
        this.i = start; // the next challenge's scheme
        return;
      }
      this.i++;
      this.skip(/[ \t]/);
      const value = this.s[this.i] === '"' ? this.quoted() : this.bareValue();
      addParam(challenge.params, name.toLowerCase(), value);
      this.skip(/[ \t]/);
      // Anything but a comma after a value is junk (e.g. `realm="a"b`): drop it.
      if (this.i < this.s.length && this.s[this.i] !== ',') this.skipToComma();
    }
  }

  /** token68 only when it is the whole of the challenge's data (followed by ',' or the end). */
  private token68(): string | undefined {
    const start = this.i;
    let j = start;
    while (j < this.s.length && T68CHAR.test(this.s[j]!)) j++;
    if (j === start) return undefined;
    while (this.s[j] === '=') j++;
    let k = j;
    while (k < this.s.length && /[ \t]/.test(this.s[k]!)) k++;
    if (k < this.s.length && this.s[k] !== ',') return undefined;
    this.i = k;
    return this.s.slice(start, j);
  }

  private token(): string {
    const start = this.i;
    while (this.i < this.s.length && TCHAR.test(this.s[this.i]!)) this.i++;
    return this.s.slice(start, this.i);
  }

  /** quoted-string (RFC 9110 §5.6.4): backslash escapes any char; unterminated runs to the end. */
  private quoted(): string {
    this.i++; // opening quote
    let value = '';
    while (this.i < this.s.length) {
      const c = this.s[this.i++]!;
      if (c === '"') return value;
      if (c === '\\' && this.i < this.s.length) value += this.s[this.i++]!;
      else value += c;
    }
    return value;
  }

  /**
   * A bare value should be a token, but servers send unquoted URLs (`realm=https://x/token`),
   * so take everything up to a comma or whitespace.
   */
  private bareValue(): string {
    const start = this.i;
    while (this.i < this.s.length && !/[\s,]/.test(this.s[this.i]!)) this.i++;
    return this.s.slice(start, this.i);
  }

  private at(re: RegExp): boolean {
    return this.i < this.s.length && re.test(this.s[this.i]!);
  }

  private skip(re: RegExp): void {
    while (this.at(re)) this.i++;
  }

  private skipToComma(): void {
    while (this.i < this.s.length && this.s[this.i] !== ',') {
      if (this.s[this.i] === '"') this.quoted();
      else this.i++;
    }
  }
}

/**
 * RFC 7235 §2.2 forbids repeating a parameter, but docker/auth/scope.md ("Resource Provider
 * Use") has the registry send "a `scope` field for each required resource scope": repeated
 * scopes are joined with spaces, the scope-list form. Any other repeat keeps the first value.
 */
function addParam(params: Record<string, string>, name: string, value: string): void {
  const existing = params[name];
  if (existing === undefined) params[name] = value;
  else if (name === 'scope' && value !== '') params[name] = existing === '' ? value : `${existing} ${value}`;
}
