import { StowageError } from '../../errors/error.js';

/**
 * A single byte range of a GET (RFC 9110 §14). Returns undefined when the whole body should be
 * sent: no header, a syntax the RFC lets us ignore, or several ranges (never asked for by
 * registry clients, which resume one range at a time). Unsatisfiable → RANGE_INVALID (416).
 */
export function parseRange(header: string | undefined, size: number): { start: number; end: number } | undefined {
  if (!header) return undefined;
  const match = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!match || (match[1] === '' && match[2] === '')) return undefined;
  const first = match[1] ?? '';
  const last = match[2] ?? '';
  let start: number;
  let end: number;
  if (first === '') {
    const suffix = Number(last);
    if (suffix === 0) throw unsatisfiable(size);
    start = Math.max(0, size - suffix);
    end = size - 1;
  } else {
    start = Number(first);
    end = last === '' ? size - 1 : Math.min(Number(last), size - 1);
    if (last !== '' && Number(last) < start) return undefined;
  }
  if (start >= size || !Number.isSafeInteger(start)) throw unsatisfiable(size);
  return { start, end };
}

function unsatisfiable(size: number): StowageError {
  return new StowageError('RANGE_INVALID', `requested range not satisfiable for a blob of ${size} bytes`, { size });
}

/**
 * The Content-Range of an upload chunk. The spec's form is `<start>-<end>`; Docker clients
 * have also sent the RFC form `bytes <start>-<end>/<total|*>`, accepted too.
 */
export function parseContentRange(header: string | undefined): { start: number; end: number } | undefined {
  if (header === undefined) return undefined;
  const match = /^(?:bytes )?(\d+)-(\d+)(?:\/(?:\d+|\*))?$/.exec(header.trim());
  if (!match) throw new StowageError('RANGE_INVALID', `invalid Content-Range: ${header.slice(0, 80)}`);
  const start = Number(match[1]);
  const end = Number(match[2]);
  if (!Number.isSafeInteger(start) || !Number.isSafeInteger(end) || end < start) {
    throw new StowageError('RANGE_INVALID', `invalid Content-Range: ${header.slice(0, 80)}`);
  }
  return { start, end };
}
