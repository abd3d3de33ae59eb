/**
 * Bit packing for 1..16-bit fields with no padding between fields: field i occupies bits
 * [i*b, (i+1)*b) of the byte stream, least significant bit first. For b = 4 this is
 * CMSIS-NN's order (the first value in the low nibble); for b = 8, plain bytes. Signed
 * values are stored in b-bit two's complement.
 */
import { fail } from '../errors.js';

export function packedBytes(count: number, bits: number): number {
  return Math.ceil((count * bits) / 8);
}

export function fieldRange(bits: number, signed: boolean): [number, number] {
  return signed ? [-(2 ** (bits - 1)), 2 ** (bits - 1) - 1] : [0, 2 ** bits - 1];
}

export function packBits(values: ArrayLike<number>, bits: number, signed: boolean): Uint8Array {
  if (!Number.isInteger(bits) || bits < 1 || bits > 16) fail(`internal: cannot pack ${bits}-bit fields`);
  const [lo, hi] = fieldRange(bits, signed);
  const out = new Uint8Array(packedBytes(values.length, bits));
  const mask = 2 ** bits - 1;
  let bit = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (!Number.isInteger(v) || v < lo || v > hi) fail(`internal: ${v} does not fit a ${signed ? 'signed' : 'unsigned'} ${bits}-bit field`);
    let field = v & mask;
    for (let written = 0; written < bits; ) {
      const byte = bit >> 3;
      const offset = bit & 7;
      const take = Math.min(8 - offset, bits - written);
      out[byte] |= (field & ((1 << take) - 1)) << offset;
      field >>= take;
      written += take;
      bit += take;
    }
  }
  return out;
}

export function unpackBits(bytes: Uint8Array, count: number, bits: number, signed: boolean, start = 0): Int32Array {
  const out = new Int32Array(count);
  let bit = start * 8;
  for (let i = 0; i < count; i++) {
    let field = 0;
    for (let read = 0; read < bits; ) {
      const offset = bit & 7;
      const take = Math.min(8 - offset, bits - read);
      field |= ((bytes[bit >> 3] >> offset) & ((1 << take) - 1)) << read;
      read += take;
      bit += take;
    }
    out[i] = signed && field >= 2 ** (bits - 1) ? field - 2 ** bits : field;
  }
  return out;
}
