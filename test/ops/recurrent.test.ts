/**
 * LSTM, GRU and RNN: models as torch exports them (an [N, C, T] window transposed to the
 * op's layout, the output transposed back to batch first), forward, reverse and
 * bidirectional, layouts 0 and 1, with and without B and initial states, each output on
 * its own and several at once. The reference against onnxruntime (ORACLE_TOLERANCE: the
 * sigmoid and tanh are ecgc's own float32 approximations), the C against the reference
 * bit for bit, float32 and with W and R quantized (4 bits; 3 bits with pruning, sparse rows).
 */
import { describe, expect, it } from 'vitest';
import { verifyHost } from '../../src/codegen/verify.js';
import type { LayerQuantization } from '../../src/codegen/weights.js';
import { type ModelSpec, type NodeSpec, buildModel } from '../../src/onnx/build.js';
import { findWeightLayers, readRows, rowsToStorage } from '../../src/plan/layers.js';
import { expectVerified } from '../helpers/bit-exact.js';
import { ORACLE_TOLERANCE, relativeError, runReference } from '../helpers/fixtures.js';
import { graphOf } from '../helpers/model.js';
import { randomFloats } from '../helpers/random.js';
import { ort } from '../helpers/ort.js';

type Direction = 'forward' | 'reverse' | 'bidirectional';
interface Case {
  op: 'LSTM' | 'GRU' | 'RNN';
  direction: Direction;
  layout?: 0 | 1;
  bias?: boolean;
  initial?: boolean;
  /** The outputs the graph reads: Y, Y_h, Y_c, or the sum of the two states. */
  output?: 'Y' | 'Y_h' | 'Y_c' | 'Y_h+Y_c';
  linearBeforeReset?: 0 | 1;
  attrs?: NodeSpec['attrs'];
}

const [C, T, H] = [3, 7, 5];
const GATES = { LSTM: 4, GRU: 3, RNN: 1 };
const COUNT = 2;

function spec(c: Case): ModelSpec {
  const D = c.direction === 'bidirectional' ? 2 : 1;
  const rows = GATES[c.op] * H;
  const batchFirst = c.layout === 1;
  const states = batchFirst ? [1, D, H] : [D, 1, H];
  const initializers: ModelSpec['initializers'] = {
    W: { shape: [D, rows, C], data: randomFloats(D * rows * C, 11, 0.6) },
    R: { shape: [D, rows, H], data: randomFloats(D * rows * H, 12, 0.6) },
  };
  if (c.bias !== false) initializers.B = { shape: [D, 2 * rows], data: randomFloats(2 * D * rows, 13, 0.3) };
  if (c.initial) {
    initializers.h0 = { shape: states, data: randomFloats(D * H, 14, 0.5) };
    if (c.op === 'LSTM') initializers.c0 = { shape: states, data: randomFloats(D * H, 15, 0.8) };
  }
  const inputs = ['xt', 'W', 'R', c.bias !== false ? 'B' : '', '', c.initial ? 'h0' : '', c.initial && c.op === 'LSTM' ? 'c0' : ''];
  const outputs = c.op === 'LSTM' ? ['Y', 'Y_h', 'Y_c'] : ['Y', 'Y_h'];
  const attrs = { hidden_size: H, direction: c.direction, ...(batchFirst ? { layout: 1 } : {}), ...(c.op === 'GRU' ? { linear_before_reset: c.linearBeforeReset ?? 1 } : {}), ...c.attrs };
  const output = c.output ?? 'Y';
  const stateBack = (from: string) => (batchFirst ? [] : [{ op: 'Transpose', inputs: [from], outputs: [`${from}_n`], attrs: { perm: [1, 0, 2] } }]);
  const read = (state: string) => (batchFirst ? state : `${state}_n`);
  const tail: NodeSpec[] =
    output === 'Y'
      ? batchFirst ? [{ op: 'Identity', inputs: ['Y'], outputs: ['out'] }] : [{ op: 'Transpose', inputs: ['Y'], outputs: ['out'], attrs: { perm: [2, 0, 1, 3] } }]
      : output === 'Y_h+Y_c'
        ? [...stateBack('Y_h'), ...stateBack('Y_c'), { op: 'Add', inputs: [read('Y_h'), read('Y_c')], outputs: ['out'] }]
        : [...stateBack(output), { op: 'Identity', inputs: [read(output)], outputs: ['out'] }];
  return {
    opset: 14,
    inputs: [{ name: 'x', shape: ['N', C, T] }],
    outputs: ['out'],
    initializers,
    nodes: [
      { op: 'Transpose', inputs: ['x'], outputs: ['xt'], attrs: { perm: batchFirst ? [0, 2, 1] : [2, 0, 1] } },
      { name: 'rnn', op: c.op, inputs: inputs.slice(0, c.op === 'LSTM' ? 7 : 6).reduceRight<string[]>((kept, name) => (kept.length || name ? [name, ...kept] : kept), []), outputs, attrs },
      ...tail,
    ],
  };
}

const CASES: Case[] = [
  { op: 'LSTM', direction: 'forward' },
  { op: 'LSTM', direction: 'reverse', bias: false },
  { op: 'LSTM', direction: 'bidirectional', initial: true },
  { op: 'LSTM', direction: 'bidirectional', layout: 1, initial: true },
  { op: 'LSTM', direction: 'forward', output: 'Y_h', initial: true },
  { op: 'LSTM', direction: 'bidirectional', output: 'Y_c' },
  { op: 'LSTM', direction: 'bidirectional', output: 'Y_h+Y_c', layout: 1 },
  { op: 'GRU', direction: 'forward' },
  { op: 'GRU', direction: 'bidirectional', initial: true },
  { op: 'GRU', direction: 'reverse', linearBeforeReset: 0, initial: true },
  { op: 'GRU', direction: 'bidirectional', linearBeforeReset: 0, output: 'Y_h' },
  { op: 'RNN', direction: 'bidirectional', initial: true },
  { op: 'RNN', direction: 'forward', layout: 1, bias: false },
];

const nameOf = (c: Case) => `${c.op} ${c.direction}${c.layout ? ' layout 1' : ''}${c.bias === false ? ' no B' : ''}${c.initial ? ' initial states' : ''}${c.output ? ` ${c.output}` : ''}${c.linearBeforeReset === 0 ? ' linear_before_reset 0' : ''}`;
const input = () => randomFloats(COUNT * C * T, 5, 2);

/** Every recurrent layer at `bits` bits, weights at or below `threshold` pruned. */
const quantized = (bits: number, threshold: number): Map<string, LayerQuantization> => new Map([['rnn', { spec: { bits, quantizer: 'uniform', threshold } }]]);

describe('recurrent layers', () => {
  for (const c of CASES) {
    it.skipIf(!ort)(`${nameOf(c)}: the reference agrees with onnxruntime`, async () => {
      const x = input();
      // onnxruntime has no layout 1: the same weights in layout 0 give the same output
      const session = await ort!.InferenceSession.create(buildModel(spec({ ...c, layout: 0 })));
      const ours = runReference(graphOf(spec(c)), x, COUNT);
      const size = ours.length / COUNT;
      for (let n = 0; n < COUNT; n++) {
        const sample = x.slice(n * C * T, (n + 1) * C * T);
        const theirs = (await session.run({ x: new ort!.Tensor('float32', sample, [1, C, T]) })).out.data as Float32Array;
        expect(theirs.length).toBe(size);
        expect(relativeError(ours.subarray(n * size, (n + 1) * size), theirs)).toBeLessThanOrEqual(ORACLE_TOLERANCE);
      }
    });

    it(`${nameOf(c)}: the C equals the reference bit for bit`, async () => {
      expectVerified(await verifyHost(graphOf(spec(c)), 'op.onnx', input(), COUNT, { optimizations: ['-O0', '-O2'] }));
    });
  }

  it('W and R are one compressible layer: rows of W then R, per direction and gate', () => {
    const graph = graphOf(spec({ op: 'LSTM', direction: 'bidirectional' }));
    const layers = findWeightLayers(graph);
    expect(layers).toMatchObject([{ node: 'rnn', weight: 'W', joined: { weight: 'R', rowLength: H }, rows: 2 * 4 * H, rowLength: C + H, bias: 'B' }]);
    const [w, r] = [graph.constants.get('W')!.data, graph.constants.get('R')!.data];
    const rows = readRows(graph, layers[0]);
    const row = 4 * H + 2; // direction 1, gate row 2
    expect(Array.from(rows.subarray(row * (C + H), (row + 1) * (C + H)))).toEqual([...w.subarray(row * C, (row + 1) * C), ...r.subarray(row * H, (row + 1) * H)]);
    const storage = rowsToStorage(layers[0], rows);
    expect([...storage.keys()]).toEqual(['W', 'R']);
    expect([Array.from(storage.get('W')!), Array.from(storage.get('R')!)]).toEqual([Array.from(w), Array.from(r)]);
  });

  for (const c of [CASES[2], CASES[9], CASES[11]]) {
    for (const [bits, threshold] of [[4, 0], [3, 0.4]]) {
      it(`${nameOf(c)}: W and R at ${bits} bits${threshold ? ', pruned' : ''}: the C equals the reference bit for bit`, async () => {
        const result = expectVerified(await verifyHost(graphOf(spec(c)), 'op.onnx', input(), COUNT, { quantization: quantized(bits, threshold), optimizations: ['-O2'] }));
        const [layer] = result.generated.layers;
        expect(layer.node).toBe('rnn');
        if (threshold) expect(layer.size.encoding).not.toBe('dense');
        else expect(layer.size.encoding).toBe('dense');
      });
    }
  }

  const refusals: [string, Case, RegExp][] = [
    ['other activations', { op: 'LSTM', direction: 'forward', attrs: { activations: ['Sigmoid', 'Relu', 'Tanh'] } }, /node 'rnn' \(LSTM\): activations \["Sigmoid","Relu","Tanh"\] \(only the defaults Sigmoid, Tanh, Tanh\) is not supported/],
    ['clip', { op: 'GRU', direction: 'forward', attrs: { clip: { float: 3 } } }, /node 'rnn' \(GRU\): clip is not supported/],
    ['input_forget', { op: 'LSTM', direction: 'forward', attrs: { input_forget: 1 } }, /node 'rnn' \(LSTM\): input_forget is not supported/],
  ];
  for (const [what, c, message] of refusals) {
    it(`refuses ${what} in one line naming the node`, () => expect(() => graphOf(spec(c))).toThrow(message));
  }

  it('refuses variable sequence lengths, accepts a constant full length', () => {
    const withLengths = (lengths: number[]) => {
      const s = spec({ op: 'RNN', direction: 'forward' });
      s.initializers!.lens = { shape: [1], data: lengths, int64: true };
      s.nodes[1].inputs = ['xt', 'W', 'R', 'B', 'lens'];
      return s;
    };
    expect(() => graphOf(withLengths([T - 2]))).toThrow(/node 'rnn' \(RNN\): sequence_lens other than a constant full length 7 \(variable sequence lengths\) is not supported/);
    expect(runReference(graphOf(withLengths([T])), input(), COUNT)).toEqual(runReference(graphOf(spec({ op: 'RNN', direction: 'forward' })), input(), COUNT));
  });
});
