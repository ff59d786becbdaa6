/**
 * Docker's table layout: docker/cli renders each row as tab-separated text and pipes it through
 * its fork of Go's text/tabwriter with minwidth 10, tabwidth 1, padding 3, padchar ' '
 * (cli/command/formatter/formatter.go). This is that algorithm (elastic tabstops: a column
 * is a run of contiguous lines that have a tab-terminated cell at that index), so the same
 * input gives the same spaces, including the quirks: the last cell of a line is never padded,
 * and every padded column is at least 10 wide.
 */

export interface TabwriterOptions {
  minwidth: number;
  padding: number;
}

export const DOCKER_TABWRITER: TabwriterOptions = { minwidth: 10, padding: 3 };

interface Cell {
  text: string;
  width: number;
}

/** Aligns tab-separated lines; `text` lines are separated by '\n', and a trailing '\n' is kept. */
export function tabwrite(text: string, options: TabwriterOptions = DOCKER_TABWRITER): string {
  const lines: Cell[][] = text.split('\n').map((line) => line.split('\t').map((t) => ({ text: t, width: displayWidth(t) })));
  const out: string[] = [];
  formatBlock(lines, [], 0, lines.length, options, out);
  return out.join('\n');
}

/** A table as docker prints one: a header row, then the rows, each line ending in '\n'. */
export function renderTable(header: string[], rows: string[][]): string {
  const text = [header, ...rows].map((cells) => `${cells.join('\t')}\n`).join('');
  return tabwrite(text);
}

/** tabwriter.format: find the next column block, fix its width, recurse for the columns right of it. */
function formatBlock(lines: Cell[][], widths: number[], line0: number, line1: number, options: TabwriterOptions, out: string[]): void {
  const column = widths.length;
  let start = line0;
  for (let row = line0; row < line1; row++) {
    if (column >= cellsOf(lines, row).length - 1) continue;
    writeLines(lines, widths, start, row, out);
    start = row;
    let width = options.minwidth;
    for (; row < line1; row++) {
      const cells = cellsOf(lines, row);
      if (column >= cells.length - 1) break;
      width = Math.max(width, (cells[column]?.width ?? 0) + options.padding);
    }
    widths.push(width);
    formatBlock(lines, widths, start, row, options, out);
    widths.pop();
    start = row;
  }
  writeLines(lines, widths, start, line1, out);
}

function writeLines(lines: Cell[][], widths: number[], line0: number, line1: number, out: string[]): void {
  for (let row = line0; row < line1; row++) {
    let text = '';
    cellsOf(lines, row).forEach((cell, j) => {
      text += cell.text;
      const width = widths[j];
      if (width !== undefined) text += ' '.repeat(Math.max(width - cell.width, 0));
    });
    out.push(text);
  }
}

function cellsOf(lines: Cell[][], row: number): Cell[] {
  return lines[row] ?? [];
}

/**
 * Columns a string takes in a terminal, as go-runewidth counts them (docker's tabwriter fork):
 * East Asian wide and fullwidth characters take two, combining marks none, the rest one.
 */
export function displayWidth(text: string): number {
  // Nearly every cell is printable ASCII: one column per character, no per-character walk.
  if (PRINTABLE_ASCII.test(text)) return text.length;
  let width = 0;
  for (const ch of text) width += charWidth(ch.codePointAt(0) ?? 0);
  return width;
}

const PRINTABLE_ASCII = /^[\x20-\x7e]*$/;

export function charWidth(cp: number): number {
  if (cp === 0 || (cp >= 0x0300 && cp <= 0x036f) || (cp >= 0x200b && cp <= 0x200f)) return 0;
  return isWide(cp) ? 2 : 1;
}

/** The main East Asian Wide/Fullwidth blocks (UAX #11): CJK, Hangul, kana, fullwidth forms, emoji. */
function isWide(cp: number): boolean {
  return (
    (cp >= 0x1100 && cp <= 0x115f) ||
    (cp >= 0x2e80 && cp <= 0x303e) ||
    (cp >= 0x3041 && cp <= 0x33ff) ||
    (cp >= 0x3400 && cp <= 0x4dbf) ||
    (cp >= 0x4e00 && cp <= 0x9fff) ||
    (cp >= 0xa000 && cp <= 0xa4cf) ||
    (cp >= 0xac00 && cp <= 0xd7a3) ||
    (cp >= 0xf900 && cp <= 0xfaff) ||
    (cp >= 0xfe30 && cp <= 0xfe4f) ||
    (cp >= 0xff00 && cp <= 0xff60) ||
    (cp >= 0xffe0 && cp <= 0xffe6) ||
    (cp >= 0x1f300 && cp <= 0x1f64f) ||
    (cp >= 0x1f900 && cp <= 0x1f9ff) ||
    (cp >= 0x20000 && cp <= 0x3fffd)
  );
}

/**
 * docker/cli formatter.Ellipsis: strings wider than `max` are cut to `max - 1` columns and end
 * in '…' (CREATED BY in `history` is cut at 45).
 */
export function ellipsis(text: string, max: number): string {
  if (max <= 0) return '';
  const chars = [...text];
  if (max === 1) return chars[0] ?? '';
  if (displayWidth(text) <= max) return text;
  let width = 0;
  let kept = '';
  for (const ch of chars) {
    const w = charWidth(ch.codePointAt(0) ?? 0);
    if (width + w > max - 1) break;
    width += w;
    kept += ch;
  }
  return `${kept}…`;
}

/** stringid.TruncateID: drop the algorithm prefix, keep 12 characters. */
export function truncateId(id: string): string {
  const colon = id.indexOf(':');
  const hex = colon >= 0 ? id.slice(colon + 1) : id;
  return hex.length > 12 ? hex.slice(0, 12) : hex;
}
