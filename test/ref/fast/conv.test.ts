/**
 * The interpreter runs Conv through its fast twin (src/ref/fast/conv.ts: the interior four
 * outputs at a time in WebAssembly SIMD, JavaScript generated per shape). Every output must
 * be what the op's definition (src/ops/conv.ts, a plain loop) computes, bit for bit: checked
 * on every conv geometry of the test chain and on wide pointwise and dilated layers.
 */
import { describe, expect, it } from 'vitest';
import { opContext } from '../../../src/ir/context.js';
import { Conv } from '../../../src/ops/conv.js';
import { referenceKernel } from '../../../src/ref/fast/index.js';
import { compileGraph, runBatch } from '../../../src/ref/interpreter.js';
import { simdConv } from '../../../src/ref/fast/simd.js';
import { expectBitExact } from '../../helpers/bit-exact.js';
import { FAST_CONV_CASES } from '../../helpers/conv-chain.js';
import { graphOf } from '../../helpers/model.js';
import { randomFloats } from '../../helpers/random.js';

describe('the fast reference conv1d', () => {
  it('runs with WebAssembly SIMD on this Node, in place of the definition', () => {
    expect(simdConv()).not.toBeNull();
    expect(referenceKernel(Conv)).not.toBe(Conv.prepare);
  });

  for (const [cin, c] of FAST_CONV_CASES) {
    it(`computes the definition's sums bit for bit: ${cin} channels in, k=${c.k} s=${c.stride} d=${c.dilation} pads ${c.pads} group ${c.group}`, () => {
      const length = 67;
      const w = randomFloats((c.cout * cin * c.k) / c.group, 3, 0.5);
      const bias = c.bias ? randomFloats(c.cout, 4) : undefined;
      const graph = graphOf({
        inputs: [{ name: 'x', shape: ['N', cin, length] }],
        outputs: ['y'],
        initializers: { w: { shape: [c.cout, cin / c.group, c.k], data: w }, ...(bias ? { b: { shape: [c.cout], data: bias } } : {}) },
        nodes: [{ op: 'Conv', inputs: bias ? ['x', 'w', 'b'] : ['x', 'w'], outputs: ['y'], attrs: { kernel_shape: [c.k], strides: [c.stride], dilations: [c.dilation], pads: [...c.pads], group: c.group } }],
      });
      const x = randomFloats(2 * cin * length, 5, 2);
      const y = runBatch(compileGraph(graph), x, 2);
      const outSize = y.length / 2;
      const node = graph.nodes[0];
      const definition = Conv.prepare(opContext(graph, node), [graph.values.get('y')!]);
      for (let n = 0; n < 2; n++) {
        const expected = new Float32Array(outSize);
        definition([x.subarray(n * cin * length, (n + 1) * cin * length), w, bias ?? new Float32Array(0)], [expected]);
        expectBitExact(y.subarray(n * outSize, (n + 1) * outSize), expected, `window ${n}`);
      }
    });
  }
});
