/**
 * The interpreter runs ConvS8 through its fast twin (src/ref/fast/conv-s8.ts: weight
 * stationary, over the valid range of each tap). Every output must be what the op's
 * definition (src/ops/conv-s8.ts) computes: checked on every conv geometry of the test chain
 * and on wide pointwise, dilated and depthwise layers, with pruned codes and a batch of two.
 */
import { describe, expect, it } from 'vitest';
import type { OpContext } from '../../../src/ops/op.js';
import { ConvS8 } from '../../../src/ops/conv-s8.js';
import { referenceKernel } from '../../../src/ref/fast/index.js';
import { FAST_CONV_CASES } from '../../helpers/conv-chain.js';
import { lcg } from '../../helpers/random.js';

function integers(count: number, low: number, high: number, seed: number, zeros = 0): Float64Array {
  const next = lcg(seed);
  return Float64Array.from({ length: count }, () => (next() < zeros ? 0 : low + Math.floor(next() * (high - low + 1))));
}

describe('the fast reference ConvS8', () => {
  it('runs in place of the definition', () => expect(referenceKernel(ConvS8)).not.toBe(ConvS8.prepare));

  for (const [cin, c] of FAST_CONV_CASES) {
    it(`computes the definition's outputs: ${cin} channels in, k=${c.k} s=${c.stride} d=${c.dilation} pads ${c.pads} group ${c.group}`, () => {
      const [batch, length] = [2, 67];
      const weightShape = [c.cout, cin / c.group, c.k];
      const codes = integers(c.cout * (cin / c.group) * c.k, -7, 7, 3, 0.3);
      const ctx: OpContext = {
        node: { name: 'conv', op: 'ConvS8', inputs: ['x', 'w', c.bias ? 'b' : '', 'm', 's'], outputs: ['y'], attrs: { kernel_shape: [c.k], strides: [c.stride], dilations: [c.dilation], pads: [...c.pads], group: c.group, input_zero_point: -11, output_zero_point: 5, act_min: -100, act_max: 120 } },
        opset: 17,
        inputs: [{ dtype: 'int8', shape: [batch, cin, length] }, { dtype: 'int8', shape: weightShape }, c.bias ? { dtype: 'int32', shape: [c.cout] } : undefined, { dtype: 'int32', shape: [c.cout] }, { dtype: 'int32', shape: [c.cout] }],
        constants: [undefined, { dtype: 'int8', shape: weightShape, data: codes }, undefined, undefined, undefined],
      };
      const [out] = ConvS8.infer(ctx);
      const x = integers(batch * cin * length, -128, 127, 5);
      const bias = integers(c.cout, -5000, 5000, 6);
      const multiplier = integers(c.cout, 2 ** 30, 2 ** 31 - 1, 7);
      const shift = integers(c.cout, -12, -6, 8);
      const run = (prepare: typeof ConvS8.prepare) => {
        const y = new Float64Array(out.shape.reduce((a, b) => a * b, 1));
        prepare(ctx, [out])([x, codes, bias, multiplier, shift], [y]);
        return y;
      };
      const expected = run(ConvS8.prepare);
      expect(new Set(expected).size).toBeGreaterThan(10); // the outputs are not all clamped
      expect(run(referenceKernel(ConvS8))).toEqual(expected);
    });
  }
});
