/**
 * One pass over JSON text, without recursion, for two things JSON.parse does not tell:
 *  - how deep arrays and objects nest (Go's encoding/json, which distribution and
 *    containers/image parse manifests with, refuses more than 10,000 levels);
 *  - the source text of chosen numbers (JSON.parse reads `7.8e1`, `78.0` and `78` alike as 78,
 *    and `-0` as 0; Go refuses the first two for an int64 field).
 * Hand-written: Node 20's JSON.parse has no reviver `context.source`, and the parsers that
 * keep number text (lossless-json) recurse once per level and would replace JSON.parse; this
 * needs neither. It judges nothing: JSON.parse decides validity. On malformed text it returns
 * some answer, never throws, never loops.
 */

export interface JsonScan {
  /** True when nesting went past `maxDepth` (the scan stopped there). */
  tooDeep: boolean;
  /** Source text of the kept numbers by path (`layers[0].size`); a repeated key keeps the last, as JSON.parse does. */
  numbers: Map<string, string>;
}

export interface JsonScanOptions {
  maxDepth: number;
  /** Whether to keep a number, by its own key (or array index) and the depth of its container (root = 1). */
  keep(key: string | number, depth: number): boolean;
}

interface Frame {
  object: boolean;
  /** Object: the current key (undefined before the first). Array: unused. */
  key: string | undefined;
  /** Array: index of the current element. */
  index: number;
  /** Object: the next string is a key. */
  expectKey: boolean;
}

const NUMBER_CHAR = /[-+.eE0-9]/;

export function scanJson(text: string, options: JsonScanOptions): JsonScan {
  const numbers = new Map<string, string>();
  const stack: Frame[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i] as string;
    if (c === '{' || c === '[') {
      stack.push({ object: c === '{', key: undefined, index: 0, expectKey: c === '{' });
      if (stack.length > options.maxDepth) return { tooDeep: true, numbers };
      i++;
    } else if (c === '}' || c === ']') {
      stack.pop();
      i++;
    } else if (c === ',') {
      const top = stack.at(-1);
      if (top?.object) top.expectKey = true;
      else if (top) top.index++;
      i++;
    } else if (c === '"') {
      const end = stringEnd(text, i);
      const top = stack.at(-1);
      if (top?.object && top.expectKey) {
        top.key = decodeKey(text.slice(i, end));
        top.expectKey = false;
      }
      i = end;
    } else if (c === '-' || (c >= '0' && c <= '9')) {
      let end = i + 1;
      while (end < text.length && NUMBER_CHAR.test(text[end] as string)) end++;
      const top = stack.at(-1);
      const key = top ? (top.object ? top.key : top.index) : undefined;
      if (key !== undefined && options.keep(key, stack.length)) numbers.set(pathOf(stack), text.slice(i, end));
      i = end;
    } else {
      i++; // whitespace, ':', the letters of true/false/null, or anything JSON.parse will refuse
    }
  }
  return { tooDeep: false, numbers };
}

/** Index just past the closing quote of the string starting at `start` (or the end of the text). */
function stringEnd(text: string, start: number): number {
  let i = start + 1;
  while (i < text.length) {
    const c = text[i];
    if (c === '\\') i += 2;
    else if (c === '"') return i + 1;
    else i++;
  }
  return text.length;
}

/** A key as JSON.parse reads it (`"\u0073ize"` is `size`); undefined when it is not a valid string. */
function decodeKey(literal: string): string | undefined {
  try {
    const value: unknown = JSON.parse(literal);
    return typeof value === 'string' ? value : undefined;
  } catch {
    return undefined;
  }
}

/** ['layers', 0, 'size'] as manifest.ts formats paths: `layers[0].size`. */
function pathOf(stack: Frame[]): string {
  let out = '';
  for (const frame of stack) {
    if (!frame.object) out += `[${frame.index}]`;
    else out += out === '' ? String(frame.key) : `.${String(frame.key)}`;
  }
  return out;
}
