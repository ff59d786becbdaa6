import { StowageError } from '../../errors/error.js';

export interface Page {
  items: string[];
  /** The `Link` header value when more items follow. */
  link?: string;
}

/**
 * `n`/`last` pagination over a sorted list (distribution spec, "Listing Tags"): items strictly
 * after `last`, at most `n`; a `Link: <…>; rel="next"` when more remain; `n=0` gives an empty
 * page with no Link. `n` above `max` is clamped, with a Link to continue.
 */
export function paginate(sorted: string[], query: URLSearchParams, path: string, max: number): Page {
  const n = parseN(query.get('n'), max);
  const last = query.get('last');
  const from = last === null ? 0 : firstAfter(sorted, last);
  if (n === 0) return { items: [] };
  const items = sorted.slice(from, from + n);
  const more = from + n < sorted.length;
  if (!more || items.length === 0) return { items };
  const next = new URLSearchParams({ last: items[items.length - 1] ?? '', n: String(n) });
  return { items, link: `<${path}?${next.toString()}>; rel="next"` };
}

function parseN(value: string | null, max: number): number {
  if (value === null || value === '') return max;
  if (!/^\d{1,9}$/.test(value)) {
    throw new StowageError('PAGINATION_NUMBER_INVALID', `invalid number of results requested: ${value.slice(0, 20)}`);
  }
  return Math.min(Number(value), max);
}

/** Index of the first item greater than `last`, by binary search on the sorted list. */
function firstAfter(sorted: string[], last: string): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((sorted[mid] ?? '') <= last) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
