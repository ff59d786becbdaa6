/**
 * Go's path.Match, which docker's `reference=` filter uses (distribution/reference
 * FamiliarMatch): '*' is any run of non-'/' characters, '?' one non-'/' character,
 * '[a-z]' / '[^a-z]' a class, '\\' escapes. A malformed pattern is an error even when
 * matching would stop early, as in Go.
 */
export function pathMatch(pattern: string, name: string): boolean {
  return compilePathPattern(pattern).test(name);
}

export class BadPatternError extends Error {
  constructor(pattern: string) {
    super(`syntax error in pattern ${JSON.stringify(pattern)}`);
    this.name = 'BadPatternError';
  }
}

export function compilePathPattern(pattern: string): RegExp {
  const chars = [...pattern];
  let source = '';
  let i = 0;
  const bad = (): never => {
    throw new BadPatternError(pattern);
  };
  while (i < chars.length) {
    const ch = chars[i++] as string;
    if (ch === '*') source += '[^/]*';
    else if (ch === '?') source += '[^/]';
    else if (ch === '\\') {
      if (i >= chars.length) bad();
      source += escapeRegex(chars[i++] as string);
    } else if (ch === '[') {
      const parsed = parseClass(chars, i) ?? bad();
      source += parsed.source;
      i = parsed.next;
    } else source += escapeRegex(ch);
  }
  return new RegExp(`^${source}$`, 'u');
}

/** A character class after '[': ranges lo or lo-hi, at least one, then ']'. */
function parseClass(chars: string[], start: number): { source: string; next: number } | undefined {
  let i = start;
  let negated = false;
  if (chars[i] === '^') {
    negated = true;
    i++;
  }
  const ranges: string[] = [];
  for (;;) {
    if (chars[i] === ']' && ranges.length > 0) return { source: `[${negated ? '^' : ''}${ranges.join('')}]`, next: i + 1 };
    const lo = readEscaped(chars, i);
    if (!lo) return undefined;
    i = lo.next;
    let hi = lo;
    if (chars[i] === '-') {
      const upper = readEscaped(chars, i + 1);
      if (!upper) return undefined;
      hi = upper;
      i = upper.next;
    }
    if ((lo.char.codePointAt(0) ?? 0) > (hi.char.codePointAt(0) ?? 0)) {
      // Go accepts lo > hi and simply never matches it; an empty class part does the same.
      ranges.push('');
    } else {
      ranges.push(hi === lo ? escapeClass(lo.char) : `${escapeClass(lo.char)}-${escapeClass(hi.char)}`);
    }
  }
}

/** Go's getEsc: a class character, '\\'-escaped or plain; '-' and ']' must be escaped; never the end. */
function readEscaped(chars: string[], i: number): { char: string; next: number } | undefined {
  let ch = chars[i];
  if (ch === undefined || ch === '-' || ch === ']') return undefined;
  let next = i + 1;
  if (ch === '\\') {
    ch = chars[next];
    if (ch === undefined) return undefined;
    next++;
  }
  if (next >= chars.length) return undefined;
  return { char: ch, next };
}

function escapeRegex(ch: string): string {
  return ch.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}

function escapeClass(ch: string): string {
  return ch.replace(/[\\\]^-]/g, '\\$&');
}
