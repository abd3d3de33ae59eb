/**
 * The integer mode's fixed-point arithmetic, exactly as CMSIS-NN defines it (its default
 * build: double rounding), so that an 8-bit layer of ecgc can equal CMSIS-NN's bit for bit.
 * runtime-c/ecgc_requantize.h is the C twin; both are checked against each other and against
 * CMSIS-NN itself (test/quant).
 *
 * A real multiplier m > 0 is stored as a Q31 `multiplier` in [2^30, 2^31) and a `shift`
 * (m = multiplier / 2^31 * 2^shift), as TFLite's QuantizeMultiplier makes them.
 */

export interface FixedPointMultiplier {
  multiplier: number;
  shift: number;
}

/** TFLite's QuantizeMultiplier: frexp, then the fraction rounded (half away from zero) to Q31. */
export function quantizeMultiplier(real: number): FixedPointMultiplier {
  if (!(real > 0) || !Number.isFinite(real)) return { multiplier: 0, shift: 0 };
  let shift = Math.floor(Math.log2(real)) + 1;
  // log2 can be off by one next to a power of two: settle the fraction into [0.5, 1)
  while (real / 2 ** shift >= 1) shift++;
  while (real / 2 ** shift < 0.5) shift--;
  let q = Math.round((real / 2 ** shift) * 2 ** 31); // positive: Math.round is half away from zero
  if (q === 2 ** 31) {
    q /= 2;
    shift++;
  }
  if (shift < -31) return { multiplier: 0, shift: 0 };
  return { multiplier: q, shift };
}

/** arm_nn_doubling_high_mult_no_sat: (m1 * m2 + 2^30) >> 31 in 64 bits, truncated to int32. */
export function doublingHighMultiply(m1: number, m2: number): number {
  // |m1| < 2^21: m1 * m2 < 2^52 is exact in a double, and so are the sum and the division
  if (m1 < 2097152 && m1 > -2097152) return Math.floor((m1 * m2 + 2 ** 30) / 2 ** 31) | 0;
  // else m1 * m2 is up to 2^62: split m2 so every partial product is exact in a double
  const high = Math.floor(m2 / 65536);
  const low = m2 - high * 65536;
  const a = m1 * high; // m1 * m2 = a * 2^16 + b
  const b = m1 * low;
  const aq = Math.floor(a / 32768); // a * 2^16 = aq * 2^31 + ar * 2^16
  const ar = a - aq * 32768;
  return (aq + Math.floor((ar * 65536 + b + 2 ** 30) / 2 ** 31)) | 0;
}

/** arm_nn_divide_by_power_of_two: dividend / 2^exponent, midpoints away from zero (exponent 0..31). */
export function divideByPowerOfTwo(dividend: number, exponent: number): number {
  const mask = exponent >= 31 ? 0x7fffffff : (1 << exponent) - 1;
  const remainder = dividend & mask;
  let result = dividend >> exponent;
  let threshold = mask >> 1;
  if (result < 0) threshold++;
  if (remainder > threshold) result++;
  return result;
}

/** arm_nn_requantize (double rounding): val * multiplier / 2^31 * 2^shift, rounded. */
export function requantize(value: number, multiplier: number, shift: number): number {
  const left = shift > 0 ? shift : 0;
  const right = shift > 0 ? 0 : -shift;
  return divideByPowerOfTwo(doublingHighMultiply(Math.imul(value, 1 << left), multiplier), right);
}

/** requantize(value, multiplier, shift) for one multiplier and shift, its shifts worked out once (a channel's outputs). */
export function channelRequantizer(multiplier: number, shift: number): (value: number) => number {
  const factor = 1 << (shift > 0 ? shift : 0);
  const right = shift > 0 ? 0 : -shift;
  return (value) => divideByPowerOfTwo(doublingHighMultiply(Math.imul(value, factor), multiplier), right);
}
