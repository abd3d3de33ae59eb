/**
 * A model quantized in ONNX runs on the int8 kernels with its own scales
 * (src/model/passes/absorb-quantization.ts): torch's fake-quant export (QDQ), ONNX's QOperator
 * form (QLinearConv, QLinearMatMul), and the layers that cannot be absorbed, which stay float32.
 * onnxruntime-node is the outside reference, within one step of the output's scale (the int8
 * kernels requantize with a fixed-point multiplier and round half away from zero, onnxruntime in
 * float32, half to even). The C is bit-exact with the reference: here on the host and under QEMU
 * for the hand-built models, in test/codegen/host.test.ts and cortex.test.ts for the fixture.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { type ModelSpec, buildModel } from '../../src/onnx/build.js';
import { readModelFile } from '../../src/onnx/import.js';
import { expectAgreement, fixturePath, loadFixture, manifest, runReference } from '../helpers/fixtures.js';
import { ecgc } from '../helpers/cli.js';
import { cortexToolsAvailable } from '../helpers/cortex.js';
import { graphOf } from '../helpers/model.js';
import { agreesWithOrt, ort } from '../helpers/ort.js';
import { lcg } from '../helpers/random.js';

const dir = mkdtempSync(join(tmpdir(), 'ecgc-absorb-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const opsOf = (spec: ModelSpec) => graphOf(spec).nodes.map((n) => n.op);

/** Windows of the fixture's ECG-like input, each scaled and with noise added: `count` of them. */
function ecgWindows(input: Float32Array, size: number, count: number): Float32Array {
  const next = lcg(11);
  const windows = new Float32Array(count * size);
  for (let w = 0; w < count; w++) {
    const gain = 0.6 + 0.8 * next();
    const source = (w % (input.length / size)) * size;
    for (let i = 0; i < size; i++) windows[w * size + i] = gain * input[source + i] + 0.1 * (next() - 0.5);
  }
  return windows;
}

describe("torch's fake-quant export (fixture qat_cnn_qdq)", () => {
  const entry = manifest.find((m) => m.name === 'qat_cnn_qdq')!;
  const { graph, input } = loadFixture('qat_cnn_qdq');

  it('runs every layer, pool and add on int8, with the scales the model states', () => {
    const ops = graph.nodes.map((n) => n.op);
    expect(ops.filter((op) => op === 'ConvS8')).toHaveLength(3);
    expect(ops).toEqual(expect.arrayContaining(['QuantizeS8', 'MaxPoolS8', 'AddS8', 'GlobalAveragePoolS8', 'LinearS8']));
    expect(ops.filter((op) => ['Conv', 'Gemm', 'MatMul', 'Add', 'MaxPool', 'GlobalAveragePool'].includes(op))).toEqual([]);
    // the input's quantization is the model's first QuantizeLinear's (uint8, as int8: zero point - 128)
    const raw = readModelFile(fixturePath('qat_cnn_qdq', 'model.onnx'));
    const q = raw.nodes.find((n) => n.op === 'QuantizeLinear' && n.inputs[0] === raw.inputs[0])!;
    const constantOf = (name: string) => raw.constants.get(name)!.data[0];
    const quantize = graph.nodes.find((n) => n.op === 'QuantizeS8')!;
    expect(quantize.attrs.scale).toBe(constantOf(q.inputs[1]));
    expect(quantize.attrs.zero_point).toBe(Number(constantOf(q.inputs[2])) - 128);
  });

  it.skipIf(!ort)('agrees with onnxruntime within one output step on 60 ECG-like windows, with and without its QDQ fusion', async () => {
    const size = 256;
    const x = ecgWindows(input.data, size, 60);
    const ours = runReference(graph, x, 60);
    expect(new Set(Array.from(ours)).size).toBeGreaterThan(10); // not a few clamped values
    for (const graphOptimizationLevel of ['disabled', 'all'] as const) {
      const session = await ort!.InferenceSession.create(fixturePath('qat_cnn_qdq', 'model.onnx'), { graphOptimizationLevel });
      const theirs = (await session.run({ input: new ort!.Tensor('float32', x, [60, 1, size]) })).output.data as Float32Array;
      expectAgreement(ours, theirs, entry);
      const off = Array.from(ours).filter((v, i) => v !== theirs[i]).length;
      expect(off, `${off} of ${ours.length} outputs one step off (onnxruntime ${graphOptimizationLevel})`).toBeLessThanOrEqual(ours.length / 20);
    }
  });

  it('is refused by compress, which names what to do', async () => {
    const result = await ecgc(['compress', fixturePath('qat_cnn_qdq', 'model.onnx'), '--method', 'fixed-q:8', '--out', join(dir, 'plan.json')]);
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toContain('is quantized in ONNX already');
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });
});

/** x [1, 2, 48] -> QuantizeLinear (uint8) -> QLinearConv k5 (int32 bias) -> QLinearConv k3 s2 -> DequantizeLinear. */
function qOperatorConvs(): ModelSpec {
  const next = lcg(5);
  const codes = (n: number) => Array.from({ length: n }, () => Math.round((next() * 2 - 1) * 127));
  return {
    inputs: [{ name: 'x', shape: [1, 2, 48] }],
    outputs: ['y'],
    initializers: {
      xs: { shape: [], data: [0.02] }, xz: { shape: [], data: [128], uint8: true },
      w1: { shape: [6, 2, 5], data: codes(60), int8: true }, w1s: { shape: [6], data: [0.004, 0.006, 0.003, 0.005, 0.002, 0.004] }, w1z: { shape: [6], data: [0, 0, 0, 0, 0, 0], int8: true },
      b1: { shape: [6], data: [300, -200, 0, 50, -1000, 20], int32: true },
      h: { shape: [], data: [0.03] }, hz: { shape: [], data: [118], uint8: true },
      w2: { shape: [4, 6, 3], data: codes(72), int8: true }, w2s: { shape: [], data: [0.005] }, w2z: { shape: [], data: [0], int8: true },
      ys: { shape: [], data: [0.04] }, yz: { shape: [], data: [131], uint8: true },
    },
    nodes: [
      { op: 'QuantizeLinear', inputs: ['x', 'xs', 'xz'], outputs: ['xq'] },
      { op: 'QLinearConv', inputs: ['xq', 'xs', 'xz', 'w1', 'w1s', 'w1z', 'h', 'hz', 'b1'], outputs: ['hq'], attrs: { kernel_shape: [5], pads: [2, 2] } },
      { op: 'QLinearConv', inputs: ['hq', 'h', 'hz', 'w2', 'w2s', 'w2z', 'ys', 'yz'], outputs: ['yq'], attrs: { kernel_shape: [3], strides: [2], pads: [1, 1] } },
      { op: 'DequantizeLinear', inputs: ['yq', 'ys', 'yz'], outputs: ['y'] },
    ],
  };
}

/** x [1, 16] -> QuantizeLinear (int8) -> QLinearMatMul by a constant [16, 5] -> DequantizeLinear. */
function qOperatorMatMul(): ModelSpec {
  const next = lcg(9);
  return {
    inputs: [{ name: 'x', shape: [1, 16] }],
    outputs: ['y'],
    initializers: {
      xs: { shape: [], data: [0.025] }, xz: { shape: [], data: [5], int8: true },
      b: { shape: [16, 5], data: Array.from({ length: 80 }, () => Math.round((next() * 2 - 1) * 127)), int8: true },
      bs: { shape: [], data: [0.01] }, bz: { shape: [], data: [0], int8: true },
      ys: { shape: [], data: [0.05] }, yz: { shape: [], data: [0], int8: true },
    },
    nodes: [
      { op: 'QuantizeLinear', inputs: ['x', 'xs', 'xz'], outputs: ['xq'] },
      { op: 'QLinearMatMul', inputs: ['xq', 'xs', 'xz', 'b', 'bs', 'bz', 'ys', 'yz'], outputs: ['yq'] },
      { op: 'DequantizeLinear', inputs: ['yq', 'ys', 'yz'], outputs: ['y'] },
    ],
  };
}

/**
 * Layers that cannot run on int8 stay float32 between the model's pairs: a uint8 weight with
 * zero point 128 (asymmetric), and a Softmax (no integer form) that reads its quantized input.
 */
function partlyAbsorbable(): ModelSpec {
  const next = lcg(13);
  return {
    inputs: [{ name: 'x', shape: [1, 3, 20] }],
    outputs: ['y'],
    initializers: {
      xs: { shape: [], data: [0.02] }, xz: { shape: [], data: [0], int8: true },
      w: { shape: [4, 3, 3], data: Array.from({ length: 36 }, () => Math.floor(next() * 256)), uint8: true }, ws: { shape: [], data: [0.003] }, wz: { shape: [], data: [128], uint8: true },
      cs: { shape: [], data: [0.05] }, cz: { shape: [], data: [0], int8: true },
      ys: { shape: [], data: [1 / 256] }, yz: { shape: [], data: [-128], int8: true },
    },
    nodes: [
      { op: 'QuantizeLinear', inputs: ['x', 'xs', 'xz'], outputs: ['xq'] },
      { op: 'DequantizeLinear', inputs: ['xq', 'xs', 'xz'], outputs: ['xd'] },
      { op: 'DequantizeLinear', inputs: ['w', 'ws', 'wz'], outputs: ['wd'] },
      { op: 'Conv', inputs: ['xd', 'wd'], outputs: ['c'], attrs: { kernel_shape: [3], pads: [1, 1] } },
      { op: 'QuantizeLinear', inputs: ['c', 'cs', 'cz'], outputs: ['cq'] },
      { op: 'DequantizeLinear', inputs: ['cq', 'cs', 'cz'], outputs: ['cd'] },
      { op: 'Softmax', inputs: ['cd'], outputs: ['s'], attrs: { axis: 1 } },
      { op: 'QuantizeLinear', inputs: ['s', 'ys', 'yz'], outputs: ['sq'] },
      { op: 'DequantizeLinear', inputs: ['sq', 'ys', 'yz'], outputs: ['y'] },
    ],
  };
}

describe("ONNX's QOperator form and layers left in float32", () => {
  const next = lcg(21);
  const signal = (n: number) => Float32Array.from({ length: n }, () => (next() * 2 - 1) * 2);

  it('QLinearConv and QLinearMatMul with constant weights become ConvS8 and LinearS8', () => {
    expect(opsOf(qOperatorConvs())).toEqual(['QuantizeS8', 'ConvS8', 'ConvS8', 'DequantizeS8']);
    expect(opsOf(qOperatorMatMul())).toEqual(['QuantizeS8', 'LinearS8', 'DequantizeS8']);
  });

  it('a uint8 asymmetric weight keeps its Conv in float32; the Softmax reads its input quantized', () => {
    expect(opsOf(partlyAbsorbable())).toEqual(['QuantizeS8', 'DequantizeS8', 'Conv', 'QuantizeS8', 'DequantizeS8', 'Softmax', 'QuantizeS8', 'DequantizeS8']);
  });

  it.skipIf(!ort)('each agrees with onnxruntime within one output step', async () => {
    await agreesWithOrt(qOperatorConvs(), signal(20 * 96), 20, [2, 48], { step: 0.04 });
    await agreesWithOrt(qOperatorMatMul(), signal(20 * 16), 20, [16], { step: 0.05 });
    await agreesWithOrt(partlyAbsorbable(), signal(20 * 60), 20, [3, 20], { step: 1 / 256 });
  });

  it('each compiles to C bit-exact with the reference on the host, and under QEMU on cortex-m4f and cortex-m0', async () => {
    const models = { convs: qOperatorConvs(), matmul: qOperatorMatMul(), partly: partlyAbsorbable() };
    const targets = (await cortexToolsAvailable('quantized ONNX on Cortex-M')) ? ['host', 'cortex-m4f', 'cortex-m0'] : ['host'];
    for (const [name, spec] of Object.entries(models)) {
      const model = join(dir, `${name}.onnx`);
      writeFileSync(model, buildModel(spec));
      for (const target of targets) {
        const result = await ecgc(['verify', model, '--target', target, '--json']);
        expect(result.exitCode, `${name} on ${target}: ${result.stderr}`).toBe(0);
        expect(JSON.parse(result.stdout).bitExact).toBe(true);
      }
    }
  }, 300_000);
});
