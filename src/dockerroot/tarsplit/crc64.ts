// CRC-64 with the ISO 3309 polynomial, bit-reflected, exactly as Go's hash/crc64 with
// crc64.MakeTable(crc64.ISO): tar-split stores this checksum of every file's content
// (tar/storage/getter.go, CRCTable), so it is what a rebuilt file is compared against.
// Node has no CRC-64 and BigInt is far too slow per byte, so the 64-bit state is kept as two
// unsigned 32-bit halves and each table as two Uint32Arrays. Bulk input goes 8 bytes at a
// time through 8 derived tables ("slicing-by-8", as Go does for long inputs): a byte at a
// time runs at ~75 MB/s here, too slow for layers of gigabytes.

/** crc64.ISO reversed: 0xD800000000000000; its low 32 bits are 0. */
const POLY_HIGH = 0xd8000000;

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** Table k (0..7) at [k * 256 + byte]; table 0 is the classic byte-at-a-time table. */
const TABLE_HIGH = new Uint32Array(8 * 256);
const TABLE_LOW = new Uint32Array(8 * 256);

for (let i = 0; i < 256; i++) {
  let high = 0;
  let low = i;
  for (let bit = 0; bit < 8; bit++) {
    const carry = low & 1;
    low = ((low >>> 1) | ((high & 1) << 31)) >>> 0;
    high >>>= 1;
    if (carry) high = (high ^ POLY_HIGH) >>> 0;
  }
  TABLE_HIGH[i] = high;
  TABLE_LOW[i] = low;
}
// Table k advances table k-1's entry by one more zero byte.
for (let k = 1; k < 8; k++) {
  for (let i = 0; i < 256; i++) {
    const high = TABLE_HIGH[(k - 1) * 256 + i] as number;
    const low = TABLE_LOW[(k - 1) * 256 + i] as number;
    const index = low & 0xff;
    TABLE_LOW[k * 256 + i] = (((low >>> 8) | (high << 24)) ^ (TABLE_LOW[index] as number)) >>> 0;
    TABLE_HIGH[k * 256 + i] = ((high >>> 8) ^ (TABLE_HIGH[index] as number)) >>> 0;
  }
}

/** An incremental CRC-64/ISO (Go's crc64.New(crc64.MakeTable(crc64.ISO))). */
export class Crc64Iso {
  // The register holds the inverted CRC between updates, as Go's update() does internally.
  private high = 0xffffffff;
  private low = 0xffffffff;

  update(data: Uint8Array): this {
    let high = this.high;
    let low = this.low;
    const H = TABLE_HIGH;
    const L = TABLE_LOW;
    let i = 0;
    // Whole 8-byte groups; read as two 32-bit words when the platform and alignment allow.
    const groups = (data.length - (data.length % 8)) / 8;
    const words = LITTLE_ENDIAN && data.byteOffset % 4 === 0 ? new Uint32Array(data.buffer, data.byteOffset, groups * 2) : undefined;
    for (let g = 0; g < groups; g++, i += 8) {
      if (words !== undefined) {
        low ^= words[2 * g] as number;
        high ^= words[2 * g + 1] as number;
      } else {
        low ^= (data[i] as number) | ((data[i + 1] as number) << 8) | ((data[i + 2] as number) << 16) | ((data[i + 3] as number) << 24);
        high ^= (data[i + 4] as number) | ((data[i + 5] as number) << 8) | ((data[i + 6] as number) << 16) | ((data[i + 7] as number) << 24);
      }
      // One lookup per byte of the register, each in the table for its distance from the end.
      const b0 = 7 * 256 + (low & 0xff);
      const b1 = 6 * 256 + ((low >>> 8) & 0xff);
      const b2 = 5 * 256 + ((low >>> 16) & 0xff);
      const b3 = 4 * 256 + (low >>> 24);
      const b4 = 3 * 256 + (high & 0xff);
      const b5 = 2 * 256 + ((high >>> 8) & 0xff);
      const b6 = 256 + ((high >>> 16) & 0xff);
      const b7 = high >>> 24;
      low =
        ((L[b0] as number) ^
          (L[b1] as number) ^
          (L[b2] as number) ^
          (L[b3] as number) ^
          (L[b4] as number) ^
          (L[b5] as number) ^
          (L[b6] as number) ^
          (L[b7] as number)) >>>
        0;
      high =
        ((H[b0] as number) ^
          (H[b1] as number) ^
          (H[b2] as number) ^
          (H[b3] as number) ^
          (H[b4] as number) ^
          (H[b5] as number) ^
          (H[b6] as number) ^
          (H[b7] as number)) >>>
        0;
    }
    for (; i < data.length; i++) {
      const index = (low ^ (data[i] as number)) & 0xff;
      low = (((low >>> 8) | (high << 24)) ^ (TABLE_LOW[index] as number)) >>> 0;
      high = ((high >>> 8) ^ (TABLE_HIGH[index] as number)) >>> 0;
    }
    this.high = high;
    this.low = low;
    return this;
  }

  /** The 8-byte big-endian sum, as Go's Sum(nil) returns it (what tar-split base64-encodes). */
  digest(): Buffer {
    const sum = Buffer.alloc(8);
    sum.writeUInt32BE(~this.high >>> 0, 0);
    sum.writeUInt32BE(~this.low >>> 0, 4);
    return sum;
  }
}

/** The CRC-64/ISO of a buffer in memory. */
export function crc64Iso(data: Uint8Array): Buffer {
  return new Crc64Iso().update(data).digest();
}
