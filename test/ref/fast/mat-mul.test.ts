/**
 * The interpreter runs MatMul through its fast twin (src/ref/fast/mat-mul.ts: sixteen columns,
 * then four, at a time in WebAssembly SIMD over blocks of B's rows, the columns left over in
 * JavaScript).
 * Every output must be what the op's definition (src/ops/mat-mul.ts) computes, bit for bit:
 * on widths that are and are not multiples of four, K across several blocks, broadcast
 * batches and 1-D operands.
 */
import { describe, expect, it } from 'vitest';
import { sizeOf } from '../../../src/ir/graph.js';
import type { OpContext } from '../../../src/ops/op.js';
import { MatMul } from '../../../src/ops/mat-mul.js';
import { referenceKernel } from '../../../src/ref/fast/index.js';
import { expectBitExact } from '../../helpers/bit-exact.js';
import { randomFloats } from '../../helpers/random.js';

const CASES: [number[], number[]][] = [
  [[93, 64], [64, 256]], // a transformer's projection, smaller
  [[5, 37], [37, 7]], // 7 columns: one quad and three in JavaScript
  [[6, 19], [19, 23]], // 23 columns: a group of four quads, one quad alone, three in JavaScript
  [[3, 40], [40, 2]], // no quad at all
  [[2, 3, 17, 9], [9, 12]], // a batch by one constant B
  [[2, 1, 6, 33], [4, 33, 6]], // broadcast batches (attention's scores)
  [[20], [20, 9]], // 1-D operands
  [[4, 20], [20]],
];

describe('the fast reference MatMul', () => {
  it('runs in place of the definition', () => expect(referenceKernel(MatMul)).not.toBe(MatMul.prepare));

  for (const [aShape, bShape] of CASES) {
    it(`computes the definition's outputs: [${aShape}] by [${bShape}]`, () => {
      const ctx: OpContext = {
        node: { name: 'mm', op: 'MatMul', inputs: ['a', 'b'], outputs: ['y'], attrs: {} },
        opset: 17,
        inputs: [{ dtype: 'float32', shape: aShape }, { dtype: 'float32', shape: bShape }],
        constants: [undefined, undefined],
      };
      const [out] = MatMul.infer(ctx);
      const [a, b] = [randomFloats(sizeOf(aShape), 3, 2), randomFloats(sizeOf(bShape), 4, 0.5)];
      const run = (prepare: typeof MatMul.prepare) => {
        const y = new Float32Array(sizeOf(out.shape)).fill(NaN); // no output may be left unwritten
        prepare(ctx, [out])([a, b], [y]);
        return y;
      };
      expectBitExact(run(referenceKernel(MatMul)), run(MatMul.prepare), 'MatMul');
    });
  }
});
