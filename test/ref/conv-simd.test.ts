/**
 * The reference conv1d runs its stride-1 interior four outputs at a time in WebAssembly SIMD
 * (src/ref/simd.ts). Every output must still be the documented scalar sum, bit for bit:
 * acc = bias, then acc = fround(acc + fround(w * x)) over the group's channels and taps in
 * order, taps in the padding skipped. Checked against that loop written plainly, on every
 * conv geometry of the test chain and on wide pointwise and dilated layers.
 */
import { describe, expect, it } from 'vitest';
import { compileGraph, runBatch } from '../../src/ref/interpreter.js';
import { simdConv } from '../../src/ref/simd.js';
import { expectBitExact } from '../helpers/bit-exact.js';
import { CONV_GEOMETRIES, type ConvCase } from '../helpers/conv-chain.js';
import { graphOf } from '../helpers/model.js';
import { randomFloats } from '../helpers/random.js';

function plainConv(x: Float32Array, w: Float32Array, bias: Float32Array | undefined, cin: number, length: number, c: ConvCase): Float32Array {
  const f = Math.fround;
  const inPerGroup = cin / c.group;
  const outPerGroup = c.cout / c.group;
  const outLength = Math.floor((length + c.pads[0] + c.pads[1] - c.dilation * (c.k - 1) - 1) / c.stride) + 1;
  const y = new Float32Array(c.cout * outLength);
  for (let co = 0; co < c.cout; co++) {
    const group = Math.floor(co / outPerGroup);
    for (let t = 0; t < outLength; t++) {
      let acc = bias ? bias[co] : 0;
      for (let ci = 0; ci < inPerGroup; ci++) {
        for (let k = 0; k < c.k; k++) {
          const i = t * c.stride + k * c.dilation - c.pads[0];
          if (i >= 0 && i < length) acc = f(acc + f(w[(co * inPerGroup + ci) * c.k + k] * x[(group * inPerGroup + ci) * length + i]));
        }
      }
      y[co * outLength + t] = acc;
    }
  }
  return y;
}

describe('the reference conv1d with WebAssembly SIMD', () => {
  it('is available on this Node', () => {
    expect(simdConv()).not.toBeNull();
  });

  const cases: [number, ConvCase][] = [
    ...CONV_GEOMETRIES.map((c) => [c.group * 2, c] as [number, ConvCase]),
    [48, { k: 1, stride: 1, dilation: 1, pads: [0, 0], group: 1, cout: 17, bias: true }],
    [6, { k: 9, stride: 1, dilation: 3, pads: [12, 12], group: 1, cout: 5, bias: false }],
    [16, { k: 5, stride: 1, dilation: 1, pads: [2, 2], group: 16, cout: 16, bias: true }],
  ];
  for (const [cin, c] of cases) {
    it(`computes the scalar sums bit for bit: ${cin} channels in, k=${c.k} s=${c.stride} d=${c.dilation} pads ${c.pads} group ${c.group}`, () => {
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
      for (let n = 0; n < 2; n++) {
        const expected = plainConv(x.subarray(n * cin * length, (n + 1) * cin * length), w, bias, cin, length, c);
        expectBitExact(y.subarray(n * outSize, (n + 1) * outSize), expected, `window ${n}`);
      }
    });
  }
});
