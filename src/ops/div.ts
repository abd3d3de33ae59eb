import { binaryOp } from './binary.js';
import { binaryGradient } from './gradient.js';

/** Div: y = fround(a / b); integer constants divide truncating toward zero, as ONNX does. */
export const Div = {
  ...binaryOp(
    'Div',
    'ECGC_DIV',
    (a, b) => a / b,
    (a, b) => Math.trunc(a / b),
  ),
  gradient: binaryGradient([(_a, b) => 1 / b, (a, b) => -a / (b * b)]),
};
