/**
 * The reference's documented float32 semantics, bit for bit: each op against a naive
 * implementation written from its doc comment (output-stationary loops, the stated
 * summation order, Math.fround after every operation). The fast kernels reorder loops,
 * never sums: these tests catch any change of a single bit.
 */
import { describe, expect, it } from 'vitest';
import { compileGraph } from '../../src/ref/interpreter.js';
import { BatchRunner } from '../../src/ref/parallel.js';
import { expectBitExact } from '../helpers/bit-exact.js';
import { loadFixture, runReference } from '../helpers/fixtures.js';
import { graphOf } from '../helpers/model.js';
import { randomFloats } from '../helpers/random.js';

const f = Math.fround;

interface ConvCase {
  cin: number;
  cout: number;
  k: number;
  t: number;
  stride: number;
  dilation: number;
  pads: [number, number];
  group: number;
  bias: boolean;
}

/** y[co, t] = bias, then + fround(w * x) over ci (group's channels) then k, padding skipped. */
function naiveConv(c: ConvCase, x: Float32Array, w: Float32Array, b: Float32Array): Float32Array {
  const tOut = Math.floor((c.t + c.pads[0] + c.pads[1] - c.dilation * (c.k - 1) - 1) / c.stride) + 1;
  const inPerGroup = c.cin / c.group;
  const outPerGroup = c.cout / c.group;
  const y = new Float32Array(c.cout * tOut);
  for (let co = 0; co < c.cout; co++) {
    for (let t = 0; t < tOut; t++) {
      let acc = c.bias ? b[co] : 0;
      for (let ci = 0; ci < inPerGroup; ci++) {
        for (let k = 0; k < c.k; k++) {
          const i = t * c.stride + k * c.dilation - c.pads[0];
          if (i < 0 || i >= c.t) continue;
          const channel = Math.floor(co / outPerGroup) * inPerGroup + ci;
          acc = f(acc + f(w[(co * inPerGroup + ci) * c.k + k] * x[channel * c.t + i]));
        }
      }
      y[co * tOut + t] = acc;
    }
  }
  return y;
}

function runConv(c: ConvCase, x: Float32Array, w: Float32Array, b: Float32Array): Float32Array {
  const graph = graphOf({
    inputs: [{ name: 'x', shape: ['N', c.cin, c.t] }],
    outputs: ['y'],
    initializers: { w: { shape: [c.cout, c.cin / c.group, c.k], data: w }, ...(c.bias ? { b: { shape: [c.cout], data: b } } : {}) },
    nodes: [{ op: 'Conv', inputs: c.bias ? ['x', 'w', 'b'] : ['x', 'w'], outputs: ['y'], attrs: { kernel_shape: [c.k], strides: [c.stride], dilations: [c.dilation], pads: c.pads, group: c.group } }],
  });
  return compileGraph(graph).run([x])[0].slice();
}

describe('Conv (1-D) is bit-exact with its documented order', () => {
  const cases: ConvCase[] = [
    { cin: 3, cout: 5, k: 3, t: 37, stride: 1, dilation: 1, pads: [1, 1], group: 1, bias: true },
    { cin: 7, cout: 11, k: 5, t: 101, stride: 2, dilation: 1, pads: [2, 2], group: 1, bias: false },
    { cin: 4, cout: 6, k: 3, t: 64, stride: 3, dilation: 2, pads: [0, 3], group: 2, bias: true },
    { cin: 8, cout: 8, k: 7, t: 99, stride: 1, dilation: 4, pads: [12, 12], group: 8, bias: true },
    { cin: 6, cout: 12, k: 5, t: 50, stride: 2, dilation: 1, pads: [2, 1], group: 6, bias: true },
    { cin: 16, cout: 9, k: 1, t: 31, stride: 1, dilation: 1, pads: [0, 0], group: 1, bias: true },
    { cin: 2, cout: 3, k: 9, t: 9, stride: 1, dilation: 1, pads: [8, 8], group: 1, bias: true },
  ];
  cases.forEach((c, i) => {
    it(`cin ${c.cin} cout ${c.cout} k ${c.k} stride ${c.stride} dilation ${c.dilation} pads ${c.pads} group ${c.group}`, () => {
      const x = randomFloats(c.cin * c.t, 10 + i);
      const w = randomFloats((c.cout * c.cin * c.k) / c.group, 20 + i, 0.3);
      const b = randomFloats(c.cout, 30 + i);
      expectBitExact(runConv(c, x, w, b), naiveConv(c, x, w, b));
    });
  });

  it('auto_pad SAME_UPPER and SAME_LOWER put the odd pad at the end and at the start', () => {
    const x = randomFloats(2 * 20, 1);
    const w = randomFloats(3 * 2 * 4, 2);
    const b = new Float32Array(3);
    for (const [autoPad, pads] of [['SAME_UPPER', [1, 2]], ['SAME_LOWER', [2, 1]]] as const) {
      const graph = graphOf({
        inputs: [{ name: 'x', shape: ['N', 2, 20] }],
        outputs: ['y'],
        initializers: { w: { shape: [3, 2, 4], data: w } },
        nodes: [{ op: 'Conv', inputs: ['x', 'w'], outputs: ['y'], attrs: { kernel_shape: [4], auto_pad: autoPad } }],
      });
      const expected = naiveConv({ cin: 2, cout: 3, k: 4, t: 20, stride: 1, dilation: 1, pads: [...pads], group: 1, bias: false }, x, w, b);
      expectBitExact(compileGraph(graph).run([x])[0].slice(), expected);
    }
  });
});

describe('Gemm and MatMul are bit-exact with their documented order', () => {
  const [K, N] = [17, 5];
  const x = randomFloats(K, 3);
  const c = randomFloats(N, 5);

  it('Gemm (transB = 1, alpha = beta = 1, as torch Linear) starts from C', () => {
    const wT = randomFloats(N * K, 4);
    const graph = graphOf({
      inputs: [{ name: 'x', shape: ['N', K] }],
      outputs: ['y'],
      initializers: { w: { shape: [N, K], data: wT }, c: { shape: [N], data: c } },
      nodes: [{ op: 'Gemm', inputs: ['x', 'w', 'c'], outputs: ['y'], attrs: { transB: 1 } }],
    });
    const expected = new Float32Array(N);
    for (let n = 0; n < N; n++) {
      let acc = c[n];
      for (let k = 0; k < K; k++) acc = f(acc + f(x[k] * wT[n * K + k]));
      expected[n] = acc;
    }
    expectBitExact(compileGraph(graph).run([x])[0].slice(), expected);
  });

  it('Gemm with alpha and beta sums from 0, then scales, then adds beta * C', () => {
    const w = randomFloats(K * N, 6);
    const graph = graphOf({
      inputs: [{ name: 'x', shape: ['N', K] }],
      outputs: ['y'],
      initializers: { w: { shape: [K, N], data: w }, c: { shape: [1, N], data: c } },
      nodes: [{ op: 'Gemm', inputs: ['x', 'w', 'c'], outputs: ['y'], attrs: { alpha: 0.5, beta: { float: 2 } } }],
    });
    const expected = new Float32Array(N);
    for (let n = 0; n < N; n++) {
      let acc = 0;
      for (let k = 0; k < K; k++) acc = f(acc + f(x[k] * w[k * N + n]));
      expected[n] = f(f(0.5 * acc) + f(2 * c[n]));
    }
    expectBitExact(compileGraph(graph).run([x])[0].slice(), expected);
  });

  it('MatMul broadcasts a constant matrix over the batch dimensions', () => {
    const [B, M, Kc, Nc] = [2, 4, 6, 3];
    const a = randomFloats(B * M * Kc, 7);
    const b = randomFloats(Kc * Nc, 8);
    const graph = graphOf({
      inputs: [{ name: 'a', shape: ['N', B, M, Kc] }],
      outputs: ['y'],
      initializers: { b: { shape: [Kc, Nc], data: b } },
      nodes: [{ op: 'MatMul', inputs: ['a', 'b'], outputs: ['y'] }],
    });
    const expected = new Float32Array(B * M * Nc);
    for (let p = 0; p < B; p++) {
      for (let m = 0; m < M; m++) {
        for (let n = 0; n < Nc; n++) {
          let acc = 0;
          for (let k = 0; k < Kc; k++) acc = f(acc + f(a[(p * M + m) * Kc + k] * b[k * Nc + n]));
          expected[(p * M + m) * Nc + n] = acc;
        }
      }
    }
    expectBitExact(compileGraph(graph).run([a])[0].slice(), expected);
  });
});

describe('whole models', () => {
  it('LayerNormalization (opset 17) gives the same bits as its opset-13 decomposition', () => {
    const a = loadFixture('transformer_opset17');
    const b = loadFixture('transformer_opset13');
    expect(a.graph.nodes.some((n) => n.op === 'LayerNormalization')).toBe(true);
    expect(b.graph.nodes.some((n) => n.op === 'LayerNormalization')).toBe(false);
    expectBitExact(runReference(a.graph, a.input.data, 3), runReference(b.graph, b.input.data, 3));
  });

  it('two worker threads give the same bits as one thread', async () => {
    const { graph, input } = loadFixture('resnet1d');
    const count = 40;
    const batch = new Float32Array(count * (input.data.length / 3));
    for (let n = 0; n < count; n++) batch.set(input.data.subarray(0, input.data.length / 3), n * (input.data.length / 3));
    for (let i = 0; i < batch.length; i++) batch[i] = f(batch[i] * (1 + (i % 7) / 10));
    const runner = new BatchRunner(graph, 2);
    try {
      expectBitExact(await runner.run(batch, count), runReference(graph, batch, count));
    } finally {
      await runner.close();
    }
  });
});
