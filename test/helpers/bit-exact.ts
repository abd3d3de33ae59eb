/**
 * Bit for bit: ecgc's own outputs (the generated C, the fast reference kernels, the shipped
 * data) must equal the reference's float32 bits exactly, not within a tolerance
 * (fixtures.ts's ORACLE_TOLERANCE is for outside references only).
 */
import { expect } from 'vitest';
import type { Mismatch } from '../../src/codegen/verify.js';

/** The float32 bit patterns of `values` (a view, no copy). */
export function bitsOf(values: Float32Array): Uint32Array {
  return new Uint32Array(values.buffer, values.byteOffset, values.length);
}

/** The float32 values in the bytes a C program wrote (a copy, so any offset is aligned). */
export function float32sOf(bytes: Uint8Array): Float32Array {
  return new Float32Array(Uint8Array.from(bytes).buffer);
}

/**
 * `actual` has `expected`'s length and every element's bits (so -0 differs from 0); a failure
 * names the first element that differs rather than diffing whole arrays.
 */
export function expectBitExact(actual: Float32Array, expected: Float32Array, what = 'values'): void {
  expect(actual.length, `${what}: length`).toBe(expected.length);
  const actualBits = bitsOf(actual);
  const expectedBits = bitsOf(expected);
  const first = actualBits.findIndex((bits, i) => bits !== expectedBits[i]);
  const hex = (bits: number) => `0x${bits.toString(16).padStart(8, '0')}`;
  const difference = first === -1 ? undefined : `${what}[${first}] is ${actual[first]} (${hex(actualBits[first])}), expected ${expected[first]} (${hex(expectedBits[first])})`;
  expect(difference).toBeUndefined();
}

/** verifyHost / verifyDevice found every output of the generated C equal to the reference's bits. */
export function expectVerified<Result extends { mismatch?: Mismatch }>(result: Result, what?: string): Result {
  const mismatch = JSON.stringify(result.mismatch);
  expect(result.mismatch, what === undefined ? mismatch : `${what}: ${mismatch}`).toBeUndefined();
  return result;
}
