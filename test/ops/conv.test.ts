/**
 * Conv over two spatial axes: the reference against onnxruntime (within the oracles'
 * tolerance: its summation order is its own), and the C (ecgc_conv2d_f32) against the
 * reference bit for bit, float32 and compressed (every width 1..8, dense and sparse).
 */
import { describe, expect, it } from 'vitest';
import { verifyHost } from '../../src/codegen/verify.js';
import { generate } from '../../src/codegen/emit.js';
import type { LayerQuantization } from '../../src/codegen/weights.js';
import { opDef } from '../../src/ops/index.js';
import { opContext } from '../../src/ir/context.js';
import type { ModelSpec, NodeSpec } from '../../src/onnx/build.js';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findWeightLayers } from '../../src/plan/layers.js';
import { syntheticWindows } from '../../src/data/synthetic-windows.js';
import { readNpyFloat32 } from '../../src/util/npy.js';
import type { Plan } from '../../src/plan/plan.js';
import { expectVerified } from '../helpers/bit-exact.js';
import { ecgc } from '../helpers/cli.js';
import { fixturePath, loadFixture, runReference } from '../helpers/fixtures.js';
import { codebookLevels } from '../helpers/conv-chain.js';
import { graphOf } from '../helpers/model.js';
import { agreesWithOrt, ort } from '../helpers/ort.js';
import { randomFloats } from '../helpers/random.js';

interface Conv2dCase {
  kernel: [number, number];
  strides?: [number, number];
  dilations?: [number, number];
  /** top, left, bottom, right */
  pads?: [number, number, number, number];
  autoPad?: string;
  group?: number;
  cout: number;
  bias: boolean;
}

/** (1, k) kernels over leads x time, square kernels, strides, dilations, asymmetric pads, grouped and depthwise. */
const CASES: Conv2dCase[] = [
  { kernel: [1, 7], pads: [0, 3, 0, 3], cout: 6, bias: true },
  { kernel: [3, 3], strides: [2, 1], dilations: [2, 1], pads: [1, 0, 1, 2], group: 2, cout: 6, bias: false },
  { kernel: [1, 5], strides: [1, 2], dilations: [1, 2], pads: [0, 4, 0, 4], group: 6, cout: 6, bias: true },
  { kernel: [1, 1], cout: 8, bias: true },
  { kernel: [2, 3], strides: [1, 3], autoPad: 'SAME_UPPER', group: 4, cout: 4, bias: true },
  { kernel: [3, 1], pads: [2, 0, 0, 0], cout: 5, bias: false },
];
const [CHANNELS, HEIGHT, WIDTH] = [2, 5, 37];
const SAMPLE = CHANNELS * HEIGHT * WIDTH;

/** Input [N, 2, 5, 37] (or a fixed batch), one Conv + Relu per case (conv0, conv1, ...); with `prune`, every third weight is zero. */
function conv2dChain(cases: Conv2dCase[], { batch = 'N' as number | string, prune = true } = {}): ModelSpec {
  const nodes: NodeSpec[] = [];
  const initializers: NonNullable<ModelSpec['initializers']> = {};
  let [x, channels] = ['x', CHANNELS];
  cases.forEach((c, i) => {
    const group = c.group ?? 1;
    const w = randomFloats((c.cout * channels * c.kernel[0] * c.kernel[1]) / group, 30 + i, 0.4);
    if (prune) for (let j = 0; j < w.length; j += 3) w[j] = 0;
    initializers[`w${i}`] = { shape: [c.cout, channels / group, ...c.kernel], data: w };
    if (c.bias) initializers[`b${i}`] = { shape: [c.cout], data: randomFloats(c.cout, 60 + i) };
    const attrs: NodeSpec['attrs'] = { kernel_shape: c.kernel, strides: c.strides ?? [1, 1], dilations: c.dilations ?? [1, 1], group };
    if (c.autoPad) attrs.auto_pad = c.autoPad;
    else attrs.pads = c.pads ?? [0, 0, 0, 0];
    nodes.push({ name: `conv${i}`, op: 'Conv', inputs: c.bias ? [x, `w${i}`, `b${i}`] : [x, `w${i}`], outputs: [`conv${i}`], attrs });
    nodes.push({ op: 'Relu', inputs: [`conv${i}`], outputs: [`relu${i}`] });
    [x, channels] = [`relu${i}`, c.cout];
  });
  nodes.push({ op: 'Flatten', inputs: [x], outputs: ['y'] });
  return { inputs: [{ name: 'x', shape: [batch, CHANNELS, HEIGHT, WIDTH] }], outputs: ['y'], initializers, nodes };
}

describe('Conv over two spatial axes', () => {
  const spec = conv2dChain(CASES);
  const x = randomFloats(3 * SAMPLE, 5);

  it.skipIf(!ort)('the reference agrees with onnxruntime', async () => {
    await agreesWithOrt(spec, x, 3, [CHANNELS, HEIGHT, WIDTH]);
  });

  it('the C equals the reference bit for bit (float32 weights)', async () => {
    expectVerified(await verifyHost(graphOf(spec), 'conv2d.onnx', x, 3, { optimizations: ['-O0', '-O2', '-O3'] }));
  }, 120_000);

  it('a fixed batch of 2: one call per batch, bit-exact', async () => {
    const batched = graphOf(conv2dChain(CASES.slice(0, 3), { batch: 2 }));
    expectVerified(await verifyHost(batched, 'conv2d.onnx', x.slice(0, 2 * SAMPLE), 1, { optimizations: ['-O2'] }));
  }, 120_000);

  for (const encoding of ['dense', 'bitmap', 'delta'] as const) {
    it(`compressed: uniform 1..8 bits (sign at 1 bit), ${encoding}, bit-exact`, async () => {
      const quantization = new Map<string, LayerQuantization>();
      for (const bits of [1, 2, 3, 4, 5, 6, 7, 8]) {
        const i = bits % CASES.length;
        const sign = bits === 1;
        if (!quantization.has(`conv${i}`)) quantization.set(`conv${i}`, { spec: { bits, quantizer: sign ? 'sign' : bits % 2 ? 'uniform' : 'uniform-layer', threshold: 0.02 }, encoding: sign && encoding === 'dense' ? 'bitmap' : encoding });
      }
      const result = expectVerified(await verifyHost(graphOf(spec), 'conv2d.onnx', x, 3, { quantization, optimizations: ['-O0', '-O2'] }));
      expect(result.generated.layers.map((l) => l.size.encoding)).toContain(encoding);
    }, 120_000);
  }

  it('compressed: 7 and 8 bits, codebooks and pruned float32 layers side by side, bit-exact', async () => {
    const quantization = new Map<string, LayerQuantization>([
      ['conv0', { spec: { bits: 7, quantizer: 'uniform', threshold: 0.02 }, encoding: 'dense' }],
      ['conv1', { spec: { bits: 8, quantizer: 'uniform', threshold: 0.02 }, encoding: 'delta' }],
      ['conv2', { spec: { bits: 3, quantizer: 'codebook', threshold: 0.02, levels: codebookLevels(3) }, encoding: 'bitmap' }],
      ['conv3', { float32Threshold: 0.2 }],
      ['conv4', { spec: { bits: 6, quantizer: 'codebook', threshold: 0.02, levels: codebookLevels(6) }, encoding: 'dense' }],
      ['conv5', { float32Threshold: 0.5 }],
    ]);
    expectVerified(await verifyHost(graphOf(spec), 'conv2d.onnx', x, 3, { quantization, optimizations: ['-O2'] }));
  }, 120_000);

  it('GPTQ sees one vector per output position: the taps of its window, zeros in the padding', () => {
    const graph = graphOf(conv2dChain([{ kernel: [2, 3], pads: [1, 1, 0, 0], cout: 2, bias: false }]));
    const node = graph.nodes.find((n) => n.name === 'conv0')!;
    const vectors = opDef(node).layer!.inputVectors(opContext(graph, node), CHANNELS * 6)!;
    // outputs 5 x 36 per window; vector 0 is output (0, 0): kernel row 0 and column 0 lie in the padding
    expect(vectors.perWindow).toBe(5 * 36);
    const input = Float32Array.from({ length: SAMPLE }, (_, i) => i + 1);
    const column = new Float64Array(CHANNELS * 6);
    const nonzero = new Int32Array(CHANNELS * 6);
    const count = vectors.fill(input, 0, 0, column, nonzero);
    const plane = HEIGHT * WIDTH;
    expect(Array.from(column)).toEqual([0, 0, 0, 0, 1, 2, 0, 0, 0, 0, plane + 1, plane + 2]);
    expect(Array.from(nonzero.slice(0, count))).toEqual([4, 5, 10, 11]);
  });

  it('refuses a 3-D convolution in C, naming the node', () => {
    const graph = graphOf({
      inputs: [{ name: 'x', shape: ['N', 1, 3, 4, 5] }],
      outputs: ['y'],
      initializers: { w: { shape: [2, 1, 1, 1, 2], data: [1, 2, 3, 4] } },
      nodes: [{ name: 'c3', op: 'Conv', inputs: ['x', 'w'], outputs: ['y'], attrs: { kernel_shape: [1, 1, 2] } }],
    });
    expect(() => generate(graph, 'c.onnx', { target: 'host' })).toThrow("node 'c3' (Conv): 3-D convolution has no C kernel (1-D and 2-D have)");
  });
});

describe('the conv2d_1xk fixture (12 leads x time, (1, k) kernels)', () => {
  it('compressed: mixed widths, sparse and dense layers side by side, bit-exact', async () => {
    const { graph, input } = loadFixture('conv2d_1xk');
    const [temporal, depthwise, leads, fc] = findWeightLayers(graph).map((l) => l.node);
    const quantization = new Map<string, LayerQuantization>([
      [temporal, { spec: { bits: 3, quantizer: 'uniform', threshold: 0.05 }, encoding: 'bitmap' }],
      [depthwise, { spec: { bits: 5, quantizer: 'uniform-layer', threshold: 0.1 }, encoding: 'delta' }],
      [leads, { spec: { bits: 2, quantizer: 'uniform', threshold: 0.02 }, encoding: 'dense' }],
      [fc, { spec: { bits: 8, quantizer: 'uniform', threshold: 0 }, encoding: 'dense' }],
    ]);
    const result = expectVerified(await verifyHost(graph, fixturePath('conv2d_1xk', 'model.onnx'), input.data, input.shape[0], { quantization, optimizations: ['-O0', '-O2'] }));
    expect(result.generated.layers.map((l) => l.size.encoding)).toEqual(['bitmap', 'delta', 'dense', 'dense']);
  }, 120_000);

  it('without --input, ecgc run and verify feed whole synthetic windows: the lead copied over the 12 rows of [1, 12, T]', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ecgc-conv2d-'));
    try {
      const model = fixturePath('conv2d_1xk', 'model.onnx');
      const run = await ecgc(['run', model, '--count', '4', '--output', join(dir, 'y.npy')]);
      expect(run.exitCode, run.stderr).toBe(0);
      expect(readNpyFloat32(join(dir, 'y.npy')).shape).toEqual([4, 5]);
      const windows = syntheticWindows([1, 12, 128], undefined, 2);
      expect(windows.x.length).toBe(2 * 12 * 128);
      expect(Array.from(windows.x.subarray(11 * 128, 12 * 128))).toEqual(Array.from(windows.x.subarray(0, 128)));
      const verified = await ecgc(['verify', model, '--target', 'host', '--count', '2']);
      expect(verified.exitCode, verified.stderr).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 180_000);

  it('ecgc compress (LAQ+LAP, GPTQ rounding over the 2-D convs) writes a plan that ecgc verify finds bit-exact', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ecgc-conv2d-'));
    try {
      const [model, input, plan] = [fixturePath('conv2d_1xk', 'model.onnx'), fixturePath('conv2d_1xk', 'input.npy'), join(dir, 'plan.json')];
      const compressed = await ecgc(['compress', model, '--data', input, '--method', 'laq+lap', '--rounding', 'gptq', '--out', plan]);
      expect(compressed.exitCode, compressed.stderr).toBe(0);
      const layers = (JSON.parse(readFileSync(plan, 'utf8')) as Plan).layers;
      expect(layers.map((l) => l.node)).toEqual(findWeightLayers(loadFixture('conv2d_1xk').graph).map((l) => l.node));
      const verified = await ecgc(['verify', model, '--plan', plan, '--target', 'host', '--input', input]);
      expect(verified.exitCode, verified.stderr).toBe(0);
      expect(verified.stdout).toMatch(/^bit-exact/m);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 180_000);
});

interface TransposeCase {
  kernel: number[];
  attrs: NodeSpec['attrs'];
  cout: number;
  group?: number;
  bias: boolean;
}

/** 1-D and 2-D: strides, pads, output_padding, dilations, groups, auto_pad, output_shape. */
const TRANSPOSE_CASES: { sample: number[]; cases: TransposeCase[] }[] = [
  {
    sample: [4, 3, 9],
    cases: [
      { kernel: [1, 4], attrs: { strides: [1, 2], pads: [0, 1, 0, 1] }, cout: 3, bias: true },
      { kernel: [3, 3], attrs: { strides: [2, 3], output_padding: [1, 2], dilations: [1, 1] }, cout: 4, group: 2, bias: false },
      { kernel: [2, 3], attrs: { dilations: [2, 2], pads: [1, 0, 0, 2] }, cout: 2, group: 1, bias: true },
      { kernel: [3, 3], attrs: { strides: [2, 2], auto_pad: 'SAME_UPPER' }, cout: 2, bias: true },
      { kernel: [3, 3], attrs: { strides: [3, 2], output_shape: [10, 20] }, cout: 4, group: 4, bias: false },
    ],
  },
  {
    sample: [4, 11],
    cases: [
      { kernel: [5], attrs: { strides: [2], pads: [2, 1], output_padding: [1] }, cout: 6, group: 2, bias: true },
      { kernel: [3], attrs: { strides: [3], dilations: [2], auto_pad: 'SAME_LOWER' }, cout: 2, bias: false },
    ],
  },
];

/** Each case reads x; their outputs flattened side by side. */
function transposeModel(sample: number[], cases: TransposeCase[]): ModelSpec {
  const initializers: NonNullable<ModelSpec['initializers']> = {};
  const nodes = cases.flatMap((c, i): NodeSpec[] => {
    const group = c.group ?? 1;
    initializers[`w${i}`] = { shape: [sample[0], c.cout / group, ...c.kernel], data: randomFloats((sample[0] * c.cout * c.kernel.reduce((p, k) => p * k, 1)) / group, 80 + i, 0.5) };
    if (c.bias) initializers[`b${i}`] = { shape: [c.cout], data: randomFloats(c.cout, 90 + i) };
    return [
      { name: `t${i}`, op: 'ConvTranspose', inputs: c.bias ? ['x', `w${i}`, `b${i}`] : ['x', `w${i}`], outputs: [`t${i}`], attrs: { kernel_shape: c.kernel, group, ...c.attrs } },
      { op: 'Flatten', inputs: [`t${i}`], outputs: [`f${i}`], attrs: { axis: 1 } },
    ];
  });
  nodes.push({ name: 'cat', op: 'Concat', inputs: cases.map((_, i) => `f${i}`), outputs: ['y'], attrs: { axis: 1 } });
  return { inputs: [{ name: 'x', shape: ['N', ...sample] }], outputs: ['y'], initializers, nodes };
}

for (const { sample, cases } of TRANSPOSE_CASES) {
  describe(`ConvTranspose, ${sample.length - 1}-D`, () => {
    const spec = transposeModel(sample, cases);
    const x = randomFloats(3 * sample.reduce((p, d) => p * d, 1), 17);

    it.skipIf(!ort)('the reference agrees with onnxruntime', async () => {
      await agreesWithOrt(spec, x, 3, sample);
    });

    it('the C equals the reference bit for bit', async () => {
      expectVerified(await verifyHost(graphOf(spec), 'transpose.onnx', x, 3, { optimizations: ['-O0', '-O2'] }));
    }, 120_000);
  });
}

describe('ConvTranspose refusals', () => {
  const model = (attrs: NodeSpec['attrs'], sample = [2, 5]): ModelSpec => ({
    inputs: [{ name: 'x', shape: ['N', ...sample] }],
    outputs: ['y'],
    initializers: { w: { shape: [2, 1, ...sample.slice(1).map(() => 2)], data: randomFloats(2 * 2 ** (sample.length - 1), 1) } },
    nodes: [{ name: 'up', op: 'ConvTranspose', inputs: ['x', 'w'], outputs: ['y'], attrs }],
  });

  it('an output_padding not smaller than the stride, naming the node', () => {
    expect(() => graphOf(model({ strides: [2], output_padding: [2] }))).toThrow("node 'up' (ConvTranspose): output_padding must be smaller than the stride or the dilation");
  });

  it('3-D in C, naming the node (the reference runs it)', () => {
    const graph = graphOf(model({}, [2, 3, 3, 3]));
    expect(runReference(graph, randomFloats(54, 2), 1)).toHaveLength(4 * 4 * 4);
    expect(() => generate(graph, 'up.onnx', { target: 'host' })).toThrow("node 'up' (ConvTranspose): 3-D ConvTranspose has no C kernel (1-D and 2-D have)");
  });
});
