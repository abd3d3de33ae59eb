/**
 * TableS8 (internal, src/quant/integer-graph.ts): an element-wise op on int8 activations as a
 * 256-entry table, y = table[x + 128]. Inputs: x (int8), the table (an int8 constant [256]).
 *
 * The integer form of every element-wise op of one input (Sigmoid, Tanh, Erf, HardSwish,
 * Exp, ...; src/ops/unary.ts): each of the 256 int8 inputs is dequantized, put through the
 * op's own float32 definition (OpDef.elementwise) and quantized to the output, clamped to
 * a folded Relu or Clip. So the table gives the very int8s that Dequantize, the float32 op
 * and Quantize would, at one load a value.
 */
import { sizeOf } from '../ir/graph.js';
import { dequantizer, quantizer } from '../quant/activations.js';
import { cKernel } from './lowering.js';
import type { IntegerContext, IntegerNode } from './integer.js';
import type { OpDef } from './op.js';
import { inputShape } from './shapes.js';

const TABLE_S8 = cKernel('ecgc_table_s8', 'ecgc_table_s8.c');

export const TableS8: OpDef = {
  op: 'TableS8',
  internal: true,
  cTypes: ['int8'],
  infer: (ctx) => [{ dtype: 'int8', shape: inputShape(ctx, 0) }],
  prepare() {
    return ([x, table], [y]) => {
      for (let i = 0; i < y.length; i++) y[i] = table[x[i] + 128];
    };
  },
  lower(ctx, [out], c) {
    const id = c.id('op', '_table');
    c.declare(`static const int8_t ${id}[256] = {${Array.from(ctx.constants[1]!.data).join(', ')}};`);
    const [x, y] = [ctx.node.inputs[0], ctx.node.outputs[0]];
    c.step([TABLE_S8], (at) => `${TABLE_S8.name}(${at(x)}, ${at(y)}, ${sizeOf(out.shape)}, ${id});`, { inPlace: true });
  },
};

/** The integer form of an element-wise op (`elementwise`, its float32 definition): its table over the 256 int8 inputs. */
export function tableToS8(ic: IntegerContext, elementwise: (ctx: IntegerContext['ctx']) => (x: number) => number): IntegerNode | undefined {
  if (ic.ctx.constants[0] || ic.ctx.inputs[0]?.dtype !== 'float32') return undefined;
  const fn = elementwise(ic.ctx);
  const [dequantize, quantize] = [dequantizer(ic.inputQuant(0)), quantizer(ic.output.quant)];
  // (a NaN, as Log or Sqrt of a negative gives, is 0 here as in the reference's int8 tensors)
  const table = Int8Array.from({ length: 256 }, (_, i) => Math.min(ic.output.actMax, Math.max(ic.output.actMin, quantize(fn(dequantize(i - 128))))));
  return { op: 'TableS8', inputs: [ic.input(0), ic.constant('table', 'int8', [256], table)], attrs: {} };
}
