/**
 * The interpreter runs element-wise ops through a loop generated per node (src/ref/fast):
 * every output must be what the op's definition computes, bit for bit, for every element-wise
 * op in the registry (inputs spanning signs, magnitudes, zeros and infinities).
 */
import { describe, expect, it } from 'vitest';
import type { OpContext } from '../../../src/ir/context.js';
import { C_OPS, opDef } from '../../../src/ops/index.js';
import { referenceKernel } from '../../../src/ref/fast/index.js';
import { expectBitExact } from '../../helpers/bit-exact.js';
import { randomFloats } from '../../helpers/random.js';

const elementwise = C_OPS.map((op) => opDef({ name: 'n', op, inputs: [], outputs: [], attrs: {} })).filter((def) => def.elementwise);

describe('the fast element-wise loop', () => {
  it('covers the element-wise ops', () => {
    expect(elementwise.map((def) => def.op)).toEqual(expect.arrayContaining(['Relu', 'Sigmoid', 'Tanh', 'Erf', 'LeakyRelu', 'Clip', 'Sqrt']));
  });

  for (const def of elementwise) {
    it(`${def.op}: the definition's bits`, () => {
      const node = { name: 'n', op: def.op, inputs: ['x'], outputs: ['y'], attrs: {} };
      const ctx: OpContext = { node, opset: 17, inputs: [{ dtype: 'float32', shape: [1, 256] }], constants: [undefined] };
      const x = Float32Array.from([...randomFloats(250, 11, 8), 0, -0, Infinity, -Infinity, 1e-30, -3.5]);
      const [fast, plain] = [new Float32Array(256), new Float32Array(256)];
      const kernel = referenceKernel(def)(ctx, []);
      expect(kernel.name).toBe('unary'); // the generated loop, not the definition's
      kernel([x], [fast]);
      def.prepare(ctx, [])([x], [plain]);
      expectBitExact(fast, plain, def.op);
    });
  }
});
