import { unaryOp } from './unary.js';

/** Floor: exact; -0 stays -0. */
export const Floor = unaryOp('Floor', 'ecgc_floor_f32', () => Math.floor);
