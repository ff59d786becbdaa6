// The Go encodings containerd stores inside its bbolt values: encoding/binary varints (sizes,
// snapshot IDs) and time.Time.MarshalBinary (createdat, updatedat). Each decoder returns
// undefined for bytes that do not decode, so a damaged value is a missing value, not a crash.

/** encoding/binary Uvarint: 7 bits per byte, least significant first, at most 10 bytes. */
export function decodeUvarint(bytes: Uint8Array | undefined): bigint | undefined {
  if (bytes === undefined) return undefined;
  let value = 0n;
  for (let i = 0; i < bytes.length && i < 10; i++) {
    const byte = bytes[i] as number;
    value |= BigInt(byte & 0x7f) << BigInt(7 * i);
    if (byte < 0x80) return i === 9 && byte > 1 ? undefined : value;
  }
  return undefined;
}

/** encoding/binary Varint: a zig-zag encoded Uvarint. */
export function decodeVarint(bytes: Uint8Array | undefined): bigint | undefined {
  const u = decodeUvarint(bytes);
  if (u === undefined) return undefined;
  return (u & 1n) === 0n ? u >> 1n : ~(u >> 1n);
}

/** A varint as a JS number, when it is one exactly (sizes, IDs). */
export function varintNumber(bytes: Uint8Array | undefined, signed: boolean): number | undefined {
  const value = signed ? decodeVarint(bytes) : decodeUvarint(bytes);
  if (value === undefined || value > BigInt(Number.MAX_SAFE_INTEGER) || value < BigInt(Number.MIN_SAFE_INTEGER)) return undefined;
  return Number(value);
}

/** Seconds from 0001-01-01 (Go's internal epoch) to 1970-01-01. */
const GO_EPOCH_TO_UNIX = 62_135_596_800n;

/**
 * time.Time.MarshalBinary (go/src/time/time.go): version byte (1, or 2 with a seconds part of
 * the zone offset), seconds since year 1 (int64 big-endian), nanoseconds (int32), zone offset in
 * minutes (int16). The instant is what matters; it is returned in UTC, RFC 3339 with nanoseconds
 * trimmed to what JS keeps (milliseconds), as docker prints times.
 */
export function decodeGoTime(bytes: Uint8Array | undefined): string | undefined {
  if (bytes === undefined) return undefined;
  const version = bytes[0];
  if ((version !== 1 || bytes.length !== 15) && (version !== 2 || bytes.length !== 16)) return undefined;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const seconds = view.getBigInt64(1) - GO_EPOCH_TO_UNIX;
  const nanos = view.getInt32(9);
  if (nanos < 0 || nanos >= 1e9) return undefined;
  const millis = Number(seconds) * 1000 + Math.floor(nanos / 1e6);
  const date = new Date(millis);
  return Number.isNaN(date.getTime()) ? undefined : date.toISOString();
}
