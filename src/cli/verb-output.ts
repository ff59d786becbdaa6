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
