/** A layer with a constant weight matrix in C: Gemm, or MatMul by a constant (runtime-c/ecgc_linear.c). */
import { type Lowering, cKernel, designated, rowScratchBytes } from './lowering.js';
import type { OpContext } from './op.js';

/** ecgc_linear_f32 reads packed rows through ecgc_weights.c. */
const LINEAR_F32 = cKernel('ecgc_linear_f32', 'ecgc_linear.c', 'ecgc_weights.c');

/** x [m, k] -> y [m, n] by the node's weight (n rows of k in its layer view), with the bias of input `biasIndex`. */
export function lowerLinear(ctx: OpContext, c: Lowering, m: number, k: number, n: number, biasIndex: number | undefined): void {
  const id = c.id('layer');
  const weights = c.weights(id);
  const bias = biasIndex === undefined ? 'NULL' : c.bias(id, biasIndex, n);
  c.declare(`static const ecgc_linear_t ${id} = ${designated({ m, k, n, sparse: weights.sparse ? 1 : 0, weights: weights.init, bias })};`);
  const [x, y] = [ctx.node.inputs[0], ctx.node.outputs[0]];
  const scratch = { bytes: rowScratchBytes(weights, k, 2), check: `${LINEAR_F32.name}_get_buffer_size(&${id})` };
  c.step([LINEAR_F32], (at, s) => `${LINEAR_F32.name}(&${id}, ${at(x)}, ${at(y)}, ${s});`, { scratch });
}
