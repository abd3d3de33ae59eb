/** HardSwish: fround(x * HardSigmoid(x)) with alpha = fround(1/6), beta = 0.5. */
import { unaryOp } from './unary.js';
import { SIXTH, hardSigmoid } from './hard-sigmoid.js';

const f = Math.fround;

export const HardSwish = unaryOp('HardSwish', 'ecgc_hard_swish_f32', () => (x) => f(x * hardSigmoid(x, SIXTH, 0.5)), () => [SIXTH, 0.5]);
