/**
 * Encodings of one layer's quantized weights (integer codes, one per weight, rows = output
 * channels), chosen by exact byte count. Pruned weights are code 0 and cost nothing in the
 * sparse encodings:
 *
 *  dense   every code, packed (`bits` each).
 *  bitmap  one bit per weight (1 = nonzero, packed like the codes), then the nonzero codes
 *          packed, in order.
 *  delta   per row, the number of nonzeros (uint16, little-endian); then for each nonzero its
 *          distance from the previous nonzero of its row (the first: its index + 1), in
 *          `indexBits` unsigned bits (the smallest width that holds the largest distance);
 *          then the nonzero codes packed, in order.
 *
 * The byte counts here are what the compressor optimises and what the C backend emits:
 * both call this module, so prediction and emission cannot drift apart.
 */
import { fail } from '../errors.js';
import { packBits, packedBytes } from './bits.js';

export const ENCODINGS = ['dense', 'bitmap', 'delta'] as const;
export type Encoding = (typeof ENCODINGS)[number];

export interface EncodedWeights {
  encoding: Encoding;
  bits: number;
  signed: boolean;
  rows: number;
  rowLength: number;
  nonzeros: number;
  /** delta only: the width of the distances. */
  indexBits: number;
  /** The sections, in the order they are stored: indices (bitmap or counts + distances) then codes. */
  indexBytes: Uint8Array;
  codeBytes: Uint8Array;
}

export interface EncodingSizes {
  encoding: Encoding;
  indexBytes: number;
  codeBytes: number;
  total: number;
  indexBits: number;
}

/** Bytes of each encoding, without building them (the compressor calls this per candidate). */
export function encodingSizes(codes: ArrayLike<number>, rows: number, bits: number): EncodingSizes[] {
  const rowLength = codes.length / rows;
  let nonzeros = 0;
  let widestGap = 0;
  for (let r = 0; r < rows; r++) {
    let previous = -1;
    for (let i = 0; i < rowLength; i++) {
      if (codes[r * rowLength + i] === 0) continue;
      nonzeros++;
      widestGap = Math.max(widestGap, i - previous);
      previous = i;
    }
  }
  const indexBits = Math.max(1, Math.ceil(Math.log2(widestGap + 1)));
  const codeBytes = packedBytes(nonzeros, bits);
  const sizes: EncodingSizes[] = [
    { encoding: 'dense', indexBytes: 0, codeBytes: packedBytes(codes.length, bits), total: packedBytes(codes.length, bits), indexBits: 0 },
    { encoding: 'bitmap', indexBytes: packedBytes(codes.length, 1), codeBytes, total: packedBytes(codes.length, 1) + codeBytes, indexBits: 0 },
  ];
  if (rowLength <= 0xffff) {
    const indexBytes = 2 * rows + packedBytes(nonzeros, indexBits);
    sizes.push({ encoding: 'delta', indexBytes, codeBytes, total: indexBytes + codeBytes, indexBits });
  }
  return sizes;
}

/**
 * The cheapest encoding that can hold the codes (dense cannot when a 1-bit code has no zero:
 * sign codes are +-1, so pruned weights need a sparse encoding). Ties prefer dense, then bitmap.
 */
export function chooseEncoding(codes: ArrayLike<number>, rows: number, bits: number, zeroRepresentable: boolean): EncodingSizes {
  const hasZeros = Array.prototype.some.call(codes, (c: number) => c === 0);
  const candidates = encodingSizes(codes, rows, bits).filter((s) => s.encoding !== 'dense' || zeroRepresentable || !hasZeros);
  return candidates.reduce((best, s) => (s.total < best.total ? s : best));
}

/**
 * `codes` are the logical codes (0 means the weight is zero); `fields` what is stored for
 * each (the same, except for sign codes, stored as one bit: 1 for +1, 0 for -1).
 */
export function encodeWeights(codes: ArrayLike<number>, fields: ArrayLike<number>, rows: number, bits: number, signed: boolean, encoding: Encoding): EncodedWeights {
  const rowLength = codes.length / rows;
  if (!Number.isInteger(rowLength)) fail(`internal: ${codes.length} codes do not form ${rows} rows`);
  const size = encodingSizes(codes, rows, bits).find((s) => s.encoding === encoding);
  if (!size) fail(`internal: encoding ${encoding} cannot hold rows of ${rowLength} weights`);
  const nonzeroCodes: number[] = [];
  for (let i = 0; i < codes.length; i++) if (codes[i] !== 0) nonzeroCodes.push(fields[i]);
  let indexBytes: Uint8Array = new Uint8Array(0);
  let codeBytes: Uint8Array;
  if (encoding === 'dense') {
    codeBytes = packBits(fields, bits, signed);
  } else {
    codeBytes = packBits(nonzeroCodes, bits, signed);
    if (encoding === 'bitmap') {
      indexBytes = packBits(Array.from(codes, (c) => (c === 0 ? 0 : 1)), 1, false);
    } else {
      const counts = new Uint8Array(2 * rows);
      const gaps: number[] = [];
      for (let r = 0; r < rows; r++) {
        let previous = -1;
        let count = 0;
        for (let i = 0; i < rowLength; i++) {
          if (codes[r * rowLength + i] === 0) continue;
          gaps.push(i - previous);
          previous = i;
          count++;
        }
        counts[2 * r] = count & 0xff;
        counts[2 * r + 1] = count >> 8;
      }
      const distances = packBits(gaps, size.indexBits, false);
      indexBytes = new Uint8Array(counts.length + distances.length);
      indexBytes.set(counts);
      indexBytes.set(distances, counts.length);
    }
  }
  if (indexBytes.length !== size.indexBytes || codeBytes.length !== size.codeBytes) fail(`internal: ${encoding} encoding sizes disagree with encodingSizes`);
  return { encoding, bits, signed, rows, rowLength, nonzeros: nonzeroCodes.length, indexBits: size.indexBits, indexBytes, codeBytes };
}
