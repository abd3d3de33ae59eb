/**
 * int8 activations: a tensor's real value is scale * (q - zeroPoint), q in [-128, 127]
 * (per tensor, asymmetric, zero exactly representable), as TFLite and CMSIS-NN define them.
 *
 * Quantizing a float32 x (QuantizeS8; the C in runtime-c/ecgc_quantize.c does the same
 * float32 operations): v = fround(x * fround(1 / scale)), clamped to [-256, 256] so the
 * conversion is defined; q = trunc(fround(v + 0.5)) for v >= 0, trunc(fround(v - 0.5))
 * otherwise (half away from zero); then q + zeroPoint clamped to [-128, 127].
 * Dequantizing: fround((q - zeroPoint) * scale).
 */

export interface ActivationQuant {
  /** A float32 value > 0. */
  scale: number;
  /** An integer in [-128, 127]. */
  zeroPoint: number;
}

export const INT8_MIN = -128;
export const INT8_MAX = 127;

const clamp = (x: number, low: number, high: number) => Math.min(high, Math.max(low, x));

/** The parameters that map [min, max] (widened to hold 0) onto [-128, 127]. */
export function quantFromRange(min: number, max: number): ActivationQuant {
  const low = Math.min(0, min);
  const high = Math.max(0, max);
  // a tensor that is always 0 still needs a scale: any, its values are exact
  const scale = Math.fround(high > low ? (high - low) / 255 : 1);
  const zeroPoint = clamp(Math.round(INT8_MIN - low / scale), INT8_MIN, INT8_MAX);
  return { scale, zeroPoint };
}

/** QuantizeS8's scalar function (above), with the reciprocal computed once. */
export function quantizer({ scale, zeroPoint }: ActivationQuant): (x: number) => number {
  const f = Math.fround;
  const inverse = f(1 / scale);
  return (x) => {
    const v = clamp(f(x * inverse), -256, 256);
    const q = Math.trunc(v >= 0 ? f(v + 0.5) : f(v - 0.5));
    return clamp(q + zeroPoint, INT8_MIN, INT8_MAX);
  };
}

export function dequantizer({ scale, zeroPoint }: ActivationQuant): (q: number) => number {
  return (q) => Math.fround((q - zeroPoint) * scale);
}

/** The int8 value of real `x` under `quant`, for clamps (ReLU's 0, Clip's bounds). */
export const quantized = (quant: ActivationQuant, x: number): number => quantizer(quant)(x);
