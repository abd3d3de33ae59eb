/** Softsign: fround(x / fround(1 + |x|)). */
import { unaryOp } from './unary.js';

const f = Math.fround;

export const Softsign = unaryOp('Softsign', 'ecgc_softsign_f32', () => (x) => f(x / f(1 + Math.abs(x))));
