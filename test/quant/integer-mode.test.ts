/**
 * The integer mode end to end (`ecgc compress --activations int8`, src/quant): the plan it
 * writes, the integer graph the reference runs, and the C the backend emits for it, bit for
 * bit on the host (-O0/-O2/-O3) and under QEMU on a DSP core and on Cortex-M0.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadModel } from '../../src/model/load.js';
import { C_OPS, opDef } from '../../src/ops/index.js';
import { type Plan, applyPlan, readPlan } from '../../src/plan/plan.js';
import { ecgc } from '../helpers/cli.js';
import { BEATNET, writeBeatnetDataset } from '../helpers/compress.js';
import { buildModel } from '../../src/onnx/build.js';
import { type ConvCase, convChainSpec } from '../helpers/conv-chain.js';
import { lcg } from '../helpers/random.js';
import { cortexToolsAvailable } from '../helpers/cortex.js';
import { fixturePath } from '../helpers/fixtures.js';

const dir = mkdtempSync(join(tmpdir(), 'ecgc-int8-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const V2 = 'examples/arrhythminet-v2/model.onnx';

async function compressInt8(model: string, name: string, ...extra: string[]): Promise<{ file: string; plan: Plan }> {
  const file = join(dir, `${name}.json`);
  const result = await ecgc(['compress', model, '--activations', 'int8', '--out', file, ...extra]);
  expect(result.exitCode, result.stderr).toBe(0);
  return { file, plan: JSON.parse(readFileSync(file, 'utf8')) };
}

/** The ops of every integer graph verified bit-exact here. */
const verifiedOps = new Set<string>();

async function verify(model: string, plan: string, target: string, ...extra: string[]) {
  const graph = loadModel(model);
  for (const node of applyPlan(graph, readPlan(plan, graph, readFileSync(model))).nodes) verifiedOps.add(node.op);
  const result = await ecgc(['verify', model, '--plan', plan, '--target', target, '--json', ...extra]);
  expect(result.exitCode, result.stderr).toBe(0);
  const report = JSON.parse(result.stdout);
  expect(report.bitExact).toBe(true);
  return report;
}

describe('an int8 plan of beatnet on labelled windows', () => {
  let plan: Plan;
  let file: string;
  beforeAll(async () => {
    const data = writeBeatnetDataset(join(dir, 'beats'), 600, 3);
    ({ plan, file } = await compressInt8(BEATNET, 'beatnet', '--data', data, '--method', 'laq+lap', '--max-drop', '2'));
  }, 240_000);

  it('records every value it quantizes and the rule its score chose', () => {
    const a = plan.activations!;
    expect(a.type).toBe('int8');
    expect(a.calibration.metric).toBe('accuracy');
    expect(a.calibration.scores[a.calibration.rule]).toBe(Math.max(...Object.values(a.calibration.scores)));
    const graph = loadModel(BEATNET);
    const values = new Set(graph.nodes.flatMap((n) => n.outputs));
    expect(a.tensors.length).toBeGreaterThan(graph.nodes.length / 2);
    for (const t of a.tensors) {
      expect(values.has(t.value) || graph.inputs.includes(t.value)).toBe(true);
      expect(Number.isInteger(t.zeroPoint) && t.zeroPoint >= -128 && t.zeroPoint <= 127).toBe(true);
    }
  });

  it('holds --max-drop on int8 activations, on which the search measured every candidate', () => {
    // (ecgc eval below shows these final figures are the integer reference's)
    const drop = 100 * (plan.figures.data.baseline.accuracy! - plan.figures.data.final.accuracy!);
    expect(drop).toBeLessThanOrEqual(2 + 1e-9);
    expect(plan.search.candidates).toBeGreaterThan(plan.layers.length);
  });

  it('is refused (exit 3) when no plan keeps the constraints on int8 activations, the SNR refusal naming their floor', async () => {
    const file = join(dir, 'refused.json');
    const result = await ecgc(['compress', BEATNET, '--activations', 'int8', '--data', join(dir, 'beats'), '--label-free', '--method', 'fixed-q:2', '--max-drop', '0', '--min-snr', '60', '--out', file]);
    expect(result.exitCode, result.stderr).toBe(3);
    expect(result.stderr).toMatch(/misses the constraints/);
    expect(result.stderr).toMatch(/int8 activations alone limit the output SNR/);
    const rejected = JSON.parse(readFileSync(file.replace(/\.json$/, '.rejected.json'), 'utf8')) as Plan;
    expect(rejected.activations!.type).toBe('int8');
    expect(rejected.figures.data.final.snrDb!).toBeLessThan(60);
  }, 120_000);

  it("refuses a search whose int8 start misses the constraints, with the start's figures, never the float model's", async () => {
    // laq keeps nothing it cannot: with an SNR no int8 plan reaches, it stays at its start (every layer 8-bit on int8 activations)
    const file = join(dir, 'start.json');
    const result = await ecgc(['compress', BEATNET, '--activations', 'int8', '--data', join(dir, 'beats'), '--label-free', '--method', 'laq', '--min-snr', '60', '--out', file]);
    expect(result.exitCode, result.stderr).toBe(3);
    expect(result.stderr).toMatch(/the laq plan misses the constraints .*output SNR [\d.]+ dB \(needs >= 60 dB\)/);
    const rejected = JSON.parse(readFileSync(file.replace(/\.json$/, '.rejected.json'), 'utf8')) as Plan;
    expect(rejected.figures.data.final.snrDb).not.toBeNull();
    expect(rejected.figures.data.final.snrDb!).toBeLessThan(60);
  }, 120_000);

  it('has every layer in 1..8 bits, its bytes as the integer kernels store them', () => {
    for (const layer of plan.layers) {
      expect(layer.bits).toBeLessThanOrEqual(8);
      expect(layer.bytes.scales).toBe(5 * layer.rows); // a Q31 multiplier and an int8 shift a row
      expect(layer.bytes.bias).toBe(4 * layer.rows);
    }
  });

  it('runs on int8 activations in the reference: only the output is dequantized, ReLUs are folded', () => {
    const graph = applyPlan(loadModel(BEATNET), readPlan(file, loadModel(BEATNET), readFileSync(BEATNET)));
    const ops = graph.nodes.map((n) => n.op);
    expect(ops[0]).toBe('QuantizeS8');
    expect(ops.at(-1)).toBe('DequantizeS8');
    expect(ops.filter((op) => op === 'DequantizeS8')).toHaveLength(1);
    expect(ops).not.toContain('Relu');
    expect(ops).toContain('ConvS8');
  });

  it("prints the plan's figures through ecgc eval (the integer reference's)", async () => {
    const result = await ecgc(['eval', BEATNET, '--data', join(dir, 'beats'), '--plan', file, '--json']);
    expect(result.exitCode, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout).accuracy).toBeCloseTo(plan.figures.data.final.accuracy!, 10);
  });

  it('compiles to C that is bit-exact on the host', async () => {
    await verify(BEATNET, file, 'host');
  }, 120_000);
});

describe('int8 plans of the shipped V2 and of torch-exported fixtures (synthetic windows, label-free)', () => {
  const cases: [string, string, string[]][] = [
    ['arrhythminet-v2 fixed-q:8', V2, ['--method', 'fixed-q:8']],
    ['resnet1d fixed-q:4 (int8 Add)', fixturePath('resnet1d', 'model.onnx'), ['--method', 'fixed-q:4']],
    ['mobilenet1d fixed-q:1 (sign codes, depthwise)', fixturePath('mobilenet1d', 'model.onnx'), ['--method', 'fixed-q:1']],
    ['conv_groups_padding fixed-p:60 (pruned float32 layers become sparse 8-bit, Pad in float32)', fixturePath('conv_groups_padding', 'model.onnx'), ['--method', 'fixed-p:60']],
    ['linear_matmul_softmax_static fixed-q:6 (MatMul, Tanh as a table, Softmax in float32)', fixturePath('linear_matmul_softmax_static', 'model.onnx'), ['--method', 'fixed-q:6']],
    ['activations fixed-q:8 (Clip folded; Sigmoid, Tanh, Erf, LeakyRelu as tables; Mul of two values)', fixturePath('activations', 'model.onnx'), ['--method', 'fixed-q:8']],
    ['pools_max fixed-q:8 (MaxPool: padding, strides, dilation)', fixturePath('pools_max', 'model.onnx'), ['--method', 'fixed-q:8']],
    ['pools_avg fixed-q:8 (AveragePool: pads, ceil_mode; a Concat of five scales)', fixturePath('pools_avg', 'model.onnx'), ['--method', 'fixed-q:8']],
    ['elementwise_broadcast fixed-q:8 (broadcast Mul, Sqrt and Reciprocal tables, Div and Pow in float32)', fixturePath('elementwise_broadcast', 'model.onnx'), ['--method', 'fixed-q:8']],
    ['transformer_opset13 fixed-q:4 (MatMul over [T, D] runs in float32, its layer stored as such)', fixturePath('transformer_opset13', 'model.onnx'), ['--method', 'fixed-q:4']],
  ];
  for (const [name, model, args] of cases) {
    it(`${name}: bit-exact on the host`, async () => {
      const { file, plan } = await compressInt8(model, name.replace(/[^a-z0-9]+/gi, '-'), ...args);
      if (args.includes('fixed-p:60')) expect(plan.layers.filter((l) => l.encoding !== 'dense').length).toBeGreaterThan(0);
      // a layer the integer graph runs in float32 keeps the float32 plan's bytes (4 a scale, none for a multiplier)
      if (name.startsWith('transformer')) expect(plan.layers.some((l) => l.bytes.scales === 4 * l.rows)).toBe(true);
      await verify(model, file, 'host');
    }, 240_000);
  }

  it('conv2d_1xk fixed-q:4 (2-D ConvS8: 1xk, depthwise and strided 3x3 kernels, padding): bit-exact on the host, and under QEMU on cortex-m4f and cortex-m0', async () => {
    const model = fixturePath('conv2d_1xk', 'model.onnx');
    const { file, plan } = await compressInt8(model, 'conv2d-1xk', '--method', 'fixed-q:4');
    const graph = applyPlan(loadModel(model), plan);
    expect(graph.nodes.filter((n) => n.op === 'ConvS8')).toHaveLength(3);
    await verify(model, file, 'host');
    if (!(await cortexToolsAvailable('int8 2-D Cortex-M'))) return;
    for (const target of ['cortex-m4f', 'cortex-m0']) await verify(model, file, target);
  }, 300_000);

  it('V2: an arena at most a third of the float32 one', async () => {
    const file = 'examples/arrhythminet-v2/plan-int8.json';
    const [float, int8] = await Promise.all([ecgc(['verify', V2, '--target', 'host', '--json']), ecgc(['verify', V2, '--plan', file, '--target', 'host', '--json'])]);
    expect(JSON.parse(int8.stdout).arena.bytes).toBeLessThanOrEqual(JSON.parse(float.stdout).arena.bytes / 3);
  }, 240_000);

  // (V2's shipped int8 plans run on every core in test/codegen/cortex.test.ts)
  it('resnet1d and an SE-ResNet (MulS8 gates, a Sigmoid table, MaxPoolS8): bit-exact under QEMU on cortex-m4f and cortex-m0', async () => {
    if (!(await cortexToolsAvailable('int8 Cortex-M'))) return;
    for (const [model, name] of [[fixturePath('resnet1d', 'model.onnx'), 'resnet-device'], [fixturePath('se_resnet12_batch4', 'model.onnx'), 'se-resnet-device']]) {
      const { file } = await compressInt8(model, name, '--method', 'fixed-q:4');
      for (const target of ['cortex-m4f', 'cortex-m0']) await verify(model, file, target);
    }
  }, 600_000);
});

describe('int8 kernels on every conv geometry of the test chain', () => {
  // strides 1..3, dilations 1..4, asymmetric padding, grouped and depthwise, odd channel counts, a Gemm
  const chain = join(dir, 'conv-chain.onnx');
  beforeAll(() => writeFileSync(chain, buildModel(convChainSpec(61, 5))));
  const plans: [string, string[]][] = [
    ['2-bit', ['--method', 'fixed-q:2']],
    ['3-bit', ['--method', 'fixed-q:3']],
    ['8-bit, 40% pruned (sparse encodings)', ['--method', 'fixed-p:40']],
  ];
  /** A plan of `model` (`args`) verified bit-exact on the host, cortex-m4f (SMLAD) and cortex-m0 (plain C); the plan's file. */
  async function verifyEverywhere(model: string, name: string, ...args: string[]): Promise<string> {
    const { file } = await compressInt8(model, name, ...args);
    await verify(model, file, 'host');
    if (await cortexToolsAvailable(`int8 ${name} Cortex-M`)) for (const target of ['cortex-m4f', 'cortex-m0']) await verify(model, file, target);
    return file;
  }

  for (const [name, args] of plans) {
    it(`${name}: bit-exact on the host, and under QEMU on cortex-m4f (SMLAD) and cortex-m0 (plain C)`, async () => {
      await verifyEverywhere(chain, `chain-${name.replace(/[^a-z0-9]+/gi, '-')}`, ...args);
    }, 300_000);
  }

  // wide layers, whose time-major copy may be split into int16 pairs (rows of a multiple of 4 values) and comes in several spans
  const wide: ConvCase[] = [
    { k: 3, stride: 1, dilation: 1, pads: [1, 1], group: 1, cout: 8, bias: true },
    { k: 5, stride: 2, dilation: 1, pads: [2, 1], group: 1, cout: 8, bias: false },
    { k: 3, stride: 1, dilation: 2, pads: [2, 2], group: 2, cout: 8, bias: true },
    { k: 1, stride: 1, dilation: 1, pads: [0, 0], group: 1, cout: 12, bias: true },
    { k: 3, stride: 3, dilation: 1, pads: [1, 1], group: 1, cout: 5, bias: true },
  ];
  it('wide layers, 4-bit, time-major copies int8 and split, in spans: bit-exact on the host, and under QEMU on cortex-m4f (SMLAD) and cortex-m0 (plain C)', async () => {
    const model = join(dir, 'wide-chain.onnx');
    writeFileSync(model, buildModel(convChainSpec(600, 9, { cases: wide })));
    const file = await verifyEverywhere(model, 'wide-chain', '--method', 'fixed-q:4');
    const out = join(dir, 'wide-c');
    const compiled = await ecgc(['compile', model, '--plan', file, '--target', 'host', '--out', out, '--force']);
    expect(compiled.exitCode, compiled.stderr).toBe(0);
    const layouts = [...readFileSync(join(out, 'wide_chain.c'), 'utf8').matchAll(/\.span = (\d+), \.split = (\d)/g)].map((m) => ({ span: Number(m[1]), split: m[2] === '1' }));
    expect(layouts.map((l) => l.split)).toEqual([false, true, true, true, true]);
    expect(layouts.some((l) => l.span < 300)).toBe(true);
  }, 300_000);

  // the depthwise kernel's paths: taps in three pairs or fewer (k 1, 3), more (k 7), strides 2 and 3
  const depthwise: ConvCase[] = [
    { k: 7, stride: 1, dilation: 1, pads: [3, 3], group: 2, cout: 2, bias: true },
    { k: 5, stride: 2, dilation: 1, pads: [2, 1], group: 2, cout: 2, bias: false },
    { k: 3, stride: 1, dilation: 1, pads: [0, 2], group: 2, cout: 2, bias: true },
    { k: 1, stride: 1, dilation: 1, pads: [0, 0], group: 2, cout: 2, bias: true },
    { k: 6, stride: 3, dilation: 1, pads: [1, 4], group: 2, cout: 2, bias: true },
  ];
  it('depthwise layers, 5-bit: bit-exact on the host, and under QEMU on cortex-m4f (SMLAD) and cortex-m0 (plain C)', async () => {
    const model = join(dir, 'depthwise-chain.onnx');
    writeFileSync(model, buildModel(convChainSpec(61, 7, { cases: depthwise })));
    await verifyEverywhere(model, 'depthwise-chain', '--method', 'fixed-q:5');
  }, 300_000);
});

describe('int8 depth first (--schedule stream): the layer-by-layer bits from rows kept time-major', () => {
  // one group each (what an int8 chain takes): strides 1..3, a stride past the taps, dilations 2 and 3 (rows rounded up to
  // 4 channels), padding before up to the taps' span and after beyond it, odd channel counts; the mean over time closes it
  const cases: ConvCase[] = [
    { k: 5, stride: 1, dilation: 1, pads: [2, 2], group: 1, cout: 6, bias: true },
    { k: 3, stride: 2, dilation: 1, pads: [1, 1], group: 1, cout: 7, bias: false },
    { k: 3, stride: 1, dilation: 3, pads: [6, 0], group: 1, cout: 5, bias: true },
    { k: 1, stride: 3, dilation: 1, pads: [0, 0], group: 1, cout: 8, bias: true },
    { k: 2, stride: 1, dilation: 1, pads: [0, 3], group: 1, cout: 4, bias: true },
    { k: 4, stride: 2, dilation: 2, pads: [1, 5], group: 1, cout: 6, bias: false },
  ];
  // opened by the quantization of the graph's input, or (after a grouped layer, which runs layer by layer) by an int8 value
  const grouped: ConvCase = { k: 3, stride: 1, dilation: 1, pads: [1, 1], group: 2, cout: 6, bias: true };
  const models = [
    { name: 'stream-entry', cases, entry: true },
    { name: 'stream-inner', cases: [grouped, ...cases.slice(1)], entry: false },
  ];
  for (const { name, cases, entry } of models) {
    it(`${name}: in blocks of 1, 3 and 16, fixed-q:3 and 40% pruned (sparse rows), bit-exact on the host, and under QEMU on cortex-m4f and cortex-m0`, async () => {
      const model = join(dir, `${name}.onnx`);
      const spec = convChainSpec(500, 11, { cases });
      // the mean over time before the classifier: the chain's closing reduction
      const flatten = spec.nodes.findIndex((n) => n.op === 'Flatten');
      const last = spec.nodes[flatten - 1].outputs[0];
      spec.nodes.splice(flatten, 1, { op: 'GlobalAveragePool', inputs: [last], outputs: ['pooled'] }, { op: 'Flatten', inputs: ['pooled'], outputs: ['flat'] });
      spec.initializers!.fc = { shape: [3, cases.at(-1)!.cout], data: Array.from({ length: 3 * cases.at(-1)!.cout }, (_, i) => Math.sin(i + 1) * 0.3) };
      writeFileSync(model, buildModel({ ...spec, inputs: [{ name: 'x', shape: [1, 2, 500] }] }));
      const cortex = await cortexToolsAvailable(`int8 depth-first ${name} Cortex-M`);
      for (const method of ['fixed-q:3', 'fixed-p:40']) {
        const { file } = await compressInt8(model, `${name}-${method.replace(':', '-')}`, '--method', method);
        const out = join(dir, `${name}-c`);
        const compiled = await ecgc(['compile', model, '--plan', file, '--target', 'host', '--schedule', 'stream', '--out', out, '--force', '--json']);
        expect(compiled.exitCode, compiled.stderr).toBe(0);
        const c = readFileSync(join(out, `${name.replace('-', '_')}.c`), 'utf8');
        expect(c.match(/\.block = \d+/g)).toHaveLength(entry ? cases.length : cases.length - 1);
        expect(c).toMatch(new RegExp(`\\.quantize = ${entry ? 1 : 0}, .*\\.mean = &`));
        const layers = await verify(model, file, 'host', '--schedule', 'layers');
        for (const block of ['1', '3', '16']) {
          const streamed = await verify(model, file, 'host', '--schedule', 'stream', '--stream-block', block);
          // what each layer keeps of its input grows with the block; a window of 500 samples makes blocks of 3 pay
          // (the inner chain's input, the grouped layer's whole output, stays in the arena)
          if (block !== '16') expect(streamed.arena.bytes).toBeLessThan(entry ? layers.arena.bytes / 2 : layers.arena.bytes);
        }
        // under QEMU: the entry chain's dense rows, the inner chain's sparse ones
        if (cortex && method === (entry ? 'fixed-q:3' : 'fixed-p:40')) for (const target of ['cortex-m4f', 'cortex-m0']) await verify(model, file, target, '--schedule', 'stream', '--stream-block', '3');
      }
    }, 600_000);
  }

  it('ArrhythmiNet V2 int8 (depthwise and pointwise pairs, residual adds: no two one-group layers in a row) says it runs layer by layer', async () => {
    const streamed = await verify(V2, 'examples/arrhythminet-v2/plan-int8.json', 'host', '--schedule', 'stream', '--stream-block', '4');
    expect(streamed.schedule.reason).toMatch(/no chain of Conv layers in this graph runs depth first \(float32 chains take 1-D Conv layers of batch 1; int8 chains take those of one group\)/);
  }, 240_000);
});

describe('int8 fully connected layers', () => {
  // the first layer's 21 rows (k = 64, an odd last row) are multiplied packed at 1, 2 and 4 bits on cores with DSP, two rows at a time;
  // the second's (k = 21: four values at a time, then one) as int8 codes
  const spec = (seed: number) => {
    const next = lcg(seed);
    const w = (n: number) => Array.from({ length: n }, () => next() * 2 - 1);
    return buildModel({
      inputs: [{ name: 'x', shape: [1, 64] }],
      outputs: ['y'],
      initializers: { w1: { shape: [21, 64], data: w(21 * 64) }, b1: { shape: [21], data: w(21) }, w2: { shape: [3, 21], data: w(63) } },
      nodes: [
        { op: 'Gemm', inputs: ['x', 'w1', 'b1'], outputs: ['h'], attrs: { transB: 1 } },
        { op: 'Relu', inputs: ['h'], outputs: ['r'] },
        { op: 'Gemm', inputs: ['r', 'w2'], outputs: ['y'], attrs: { transB: 1 } },
      ],
    });
  };
  // fixed-p:60: 8-bit rows, pruned, in a sparse encoding (summed over their nonzero codes)
  for (const [seed, method] of [[1, 'fixed-q:1'], [2, 'fixed-q:2'], [3, 'fixed-q:3'], [4, 'fixed-q:4'], [8, 'fixed-q:8'], [6, 'fixed-p:60']] as const) {
    it(`${method}: bit-exact on the host, and under QEMU on cortex-m4f (SMLAD) and cortex-m0 (plain C)`, async () => {
      const model = join(dir, `fc-${seed}.onnx`);
      writeFileSync(model, spec(seed));
      const { file, plan } = await compressInt8(model, `fc-${seed}`, '--method', method);
      if (method === 'fixed-p:60') expect(plan.layers.some((l) => l.encoding === 'bitmap')).toBe(true);
      await verify(model, file, 'host');
      if (!(await cortexToolsAvailable('int8 fully connected Cortex-M'))) return;
      for (const target of ['cortex-m4f', 'cortex-m0']) await verify(model, file, target);
    }, 300_000);
  }
});

describe('coverage', () => {
  // (QuantizeLinear and DequantizeLinear, ONNX's own, take int8 in C too: test/ops/quantize-linear.test.ts)
  it("verified every integer-mode op's int8 C kernel bit-exact above", () => {
    const int8Ops = C_OPS.filter((op) => {
      const def = opDef({ name: op, op, inputs: [], outputs: [], attrs: {} });
      return def.internal && def.cTypes?.includes('int8');
    });
    expect(int8Ops.length).toBeGreaterThanOrEqual(11);
    expect(int8Ops.filter((op) => !verifiedOps.has(op))).toEqual([]);
  });
});

describe('refusals', () => {
  it('--activations takes float32 or int8', async () => {
    const result = await ecgc(['compress', V2, '--method', 'fixed-q:8', '--activations', 'int4', '--out', join(dir, 'x.json')]);
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toMatch(/--activations must be float32 or int8, got 'int4'/);
  });

  it('a codebook has no integer form', async () => {
    const result = await ecgc(['compress', V2, '--method', 'fixed-q:4', '--quantizer', 'codebook', '--activations', 'int8', '--out', join(dir, 'x.json')]);
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toMatch(/--activations int8: a layer that uses a codebook has no integer form/);
  }, 120_000);
});
