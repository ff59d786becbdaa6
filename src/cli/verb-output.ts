/** Small readers of commander's option values, and the one way the store verbs write results. */

/** Option values commander collects into arrays (repeated --filter). */
export function stringList(value: unknown): string[] {
  if (Array.isArray(value)) return value.filter((v): v is string => typeof v === 'string');
  return typeof value === 'string' ? [value] : [];
}

export function optionalString(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

/** Results go to stdout in one write, so a closed pipe cuts nothing in half. */
export function print(text: string): void {
  if (text !== '') process.stdout.write(text);
}

/**
 * One `stowage: warning: …` line on stderr. Warnings quote names read from disk (a damaged or
 * hostile Docker root): control characters are shown escaped, never sent to the terminal.
 */
export function warn(line: string): void {
  process.stderr.write(`stowage: warning: ${line.replace(/[\u0000-\u001f\u007f-\u009f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`)}\n`);
}
