/** Ops that copy elements along a precomputed index map (-1 writes `fill`). */
import type { Kernel } from './op.js';

export function gatherKernel(map: Int32Array, fill = 0): Kernel {
  return ([x], [y]) => {
    for (let i = 0; i < map.length; i++) y[i] = map[i] < 0 ? fill : x[map[i]];
  };
}
