import { BOOL, INT, INT64, STRING, type Val } from './values.js';

/**
 * time.Time as templates see it: printed through String() ("2006-01-02 15:04:05.999999999
 * -0700 MST"), and its argument-less methods that return numbers (`{{.Metadata.LastTagTime.Year}}`).
 * The value is held as the RFC 3339 text it was read from, in its own offset.
 */

interface Parts {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
  /** Nanoseconds, as text of up to 9 digits. */
  frac: string;
  /** '' for Z, else "+hh:mm". */
  zone: string;
}

function parts(iso: string): Parts | undefined {
  const m = /^(\d{4,})-(\d\d)-(\d\d)[Tt ](\d\d):(\d\d):(\d\d)(?:\.(\d+))?(Z|z|[+-]\d\d:?\d\d)?$/.exec(iso);
  if (!m) return undefined;
  const zone = m[8] === undefined || m[8] === 'Z' || m[8] === 'z' ? '' : m[8].replace(/^([+-]\d\d)(\d\d)$/, '$1:$2');
  return {
    year: Number(m[1]),
    month: Number(m[2]),
    day: Number(m[3]),
    hour: Number(m[4]),
    minute: Number(m[5]),
    second: Number(m[6]),
    frac: (m[7] ?? '').slice(0, 9),
    zone,
  };
}

export function goTimeString(iso: string): string {
  const p = parts(iso);
  if (!p) return iso;
  const two = (n: number): string => String(n).padStart(2, '0');
  const frac = p.frac.replace(/0+$/, '');
  const offset = p.zone === '' ? '+0000 UTC' : `${p.zone.replace(':', '')} ${p.zone.replace(':', '')}`;
  return `${String(p.year).padStart(4, '0')}-${two(p.month)}-${two(p.day)} ${two(p.hour)}:${two(p.minute)}:${two(p.second)}${frac ? `.${frac}` : ''} ${offset}`;
}

function unixSeconds(p: Parts): bigint {
  const local = BigInt(Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second)) / 1000n;
  if (p.zone === '') return local;
  const sign = p.zone.startsWith('-') ? -1n : 1n;
  const [h, m] = p.zone.slice(1).split(':').map(Number) as [number, number];
  return local - sign * BigInt(h * 3600 + m * 60);
}

/** A method of time.Time that takes no argument, or undefined when there is none by that name. */
export function timeMethod(iso: string, name: string): Val | undefined {
  const p = parts(iso) ?? parts('0001-01-01T00:00:00Z');
  if (!p) return undefined;
  const int = (n: number | bigint): Val => ({ t: INT, v: BigInt(n) });
  const nanos = BigInt(p.frac.padEnd(9, '0') || '0');
  switch (name) {
    case 'Year':
      return int(p.year);
    case 'Day':
      return int(p.day);
    case 'Hour':
      return int(p.hour);
    case 'Minute':
      return int(p.minute);
    case 'Second':
      return int(p.second);
    case 'Nanosecond':
      return int(nanos);
    case 'YearDay':
      return int((Date.UTC(p.year, p.month - 1, p.day) - Date.UTC(p.year, 0, 1)) / 86_400_000 + 1);
    case 'Unix':
      return { t: INT64, v: unixSeconds(p) };
    case 'UnixNano':
      return { t: INT64, v: unixSeconds(p) * 1_000_000_000n + nanos };
    case 'IsZero':
      return { t: BOOL, v: unixSeconds(p) === -62135596800n && nanos === 0n };
    case 'String':
      return { t: STRING, v: goTimeString(iso) };
    default:
      return undefined;
  }
}

/** time.Time's other methods: a template calling one gets an error saying so, not a wrong value. */
export const UNSUPPORTED_TIME_METHODS = new Set([
  'Add',
  'AddDate',
  'After',
  'AppendFormat',
  'Before',
  'Clock',
  'Compare',
  'Date',
  'Equal',
  'Format',
  'GoString',
  'ISOWeek',
  'In',
  'IsDST',
  'Local',
  'Location',
  'Month',
  'Round',
  'Sub',
  'Truncate',
  'UTC',
  'UnixMicro',
  'UnixMilli',
  'Weekday',
  'Zone',
  'ZoneBounds',
]);
