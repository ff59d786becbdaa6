/**
 * Just enough of Go's encoding/json to write a config the way docker 1.10's migration did
 * (json.Marshal of a map[string]*json.RawMessage): keys sorted bytewise, each raw value
 * compacted as Go's compact() does, strings escaped as Go escapes them. The config's digest
 * is the image ID, so these bytes are what matters, not just the values.
 */

/** The top-level members of a JSON object text, values as raw text; a later duplicate wins, as in Go. */
export function rawMembers(text: string): Map<string, string> {
  // Parsing first makes the scan below safe: it only has to find where values end.
  const parsed: unknown = JSON.parse(text);
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new SyntaxError('not a JSON object');
  const members = new Map<string, string>();
  let i = skipSpace(text, text.indexOf('{') + 1);
  while (text[i] !== '}') {
    const keyEnd = stringEnd(text, i);
    const key = JSON.parse(text.slice(i, keyEnd)) as string;
    const valueStart = skipSpace(text, skipSpace(text, keyEnd) + 1);
    const valueEnd = valueEndAt(text, valueStart);
    members.set(key, text.slice(valueStart, valueEnd).trimEnd());
    i = skipSpace(text, valueEnd);
    if (text[i] === ',') i = skipSpace(text, i + 1);
  }
  return members;
}

/** Go's json.Marshal of a map whose values are already JSON. */
export function marshalMap(members: ReadonlyMap<string, string>): string {
  const keys = [...members.keys()].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
  return `{${keys.map((key) => `${goString(key)}:${goCompact(members.get(key) as string)}`).join(',')}}`;
}

/**
 * Go's compact() with HTML escaping, as json.Marshal applies it to a RawMessage: whitespace
 * outside strings dropped; <, >, & and U+2028/U+2029 (which valid JSON has only inside
 * strings) written as \u escapes. Escapes already in the text are kept as they are.
 */
export function goCompact(raw: string): string {
  let out = '';
  let inString = false;
  for (let i = 0; i < raw.length; i++) {
    const c = raw[i] as string;
    if (inString) {
      if (c === '\\') {
        out += c + (raw[i + 1] ?? '');
        i++;
        continue;
      }
      if (c === '"') inString = false;
      out += escapeHtml(c);
    } else if (c === '"') {
      inString = true;
      out += c;
    } else if (c !== ' ' && c !== '\t' && c !== '\n' && c !== '\r') {
      out += c;
    }
  }
  return out;
}

/** A string as Go's encoder writes it: \u escapes for <, >, &, U+2028/9, and control characters other than \n \r \t. */
export function goString(value: string): string {
  return JSON.stringify(value)
    .replace(/\\[bf]/g, (m) => (m === '\\b' ? '\\u0008' : '\\u000c'))
    .replace(/[<>&\u2028\u2029]/g, escapeHtml);
}

function escapeHtml(c: string): string {
  switch (c) {
    case '<':
      return '\\u003c';
    case '>':
      return '\\u003e';
    case '&':
      return '\\u0026';
    case '\u2028':
      return '\\u2028';
    case '\u2029':
      return '\\u2029';
    default:
      return c;
  }
}

function skipSpace(text: string, i: number): number {
  while (i < text.length && /\s/.test(text[i] as string)) i++;
  return i;
}

/** Index just past the string starting at `i` (a '"'). */
function stringEnd(text: string, i: number): number {
  for (let j = i + 1; j < text.length; j++) {
    if (text[j] === '\\') j++;
    else if (text[j] === '"') return j + 1;
  }
  return text.length;
}

/** Index of the ',' or '}' ending the value that starts at `i`, at the object's top level. */
function valueEndAt(text: string, i: number): number {
  let depth = 0;
  for (let j = i; j < text.length; j++) {
    const c = text[j];
    if (c === '"') j = stringEnd(text, j) - 1;
    else if (c === '{' || c === '[') depth++;
    else if (c === '}' || c === ']') {
      if (depth === 0) return j;
      depth--;
    } else if (c === ',' && depth === 0) return j;
  }
  return text.length;
}
