import { unaryOp } from './unary.js';

/** Round half to even (ONNX, NumPy): round(2.5) = 2, round(-0.5) = -0; the result keeps x's sign. */
export function roundHalfEven(x: number): number {
  const below = Math.floor(x);
  const fraction = x - below; // exact for a float32 x
  const r = fraction > 0.5 || (fraction === 0.5 && below % 2 !== 0) ? below + 1 : below;
  return r === 0 && (x < 0 || Object.is(x, -0)) ? -0 : r;
}

export const Round = unaryOp('Round', 'ecgc_round_f32', () => roundHalfEven);
