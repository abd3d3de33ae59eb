/**
 * QuantizeLinear and DequantizeLinear (src/ops/quantize-linear.ts, dequantize-linear.ts): a
 * QDQ model as torch's and onnxruntime's quantization exports write them (uint8 activations
 * per tensor, int8 weights per output channel around a float Conv) against onnxruntime with
 * its graph optimizations off (tolerance: one step of the output's scale, since onnxruntime
 * sums the convolution in its own order and a sum a hair from a midpoint may round the other
 * way), and its C bit-exact with the reference on the host and under QEMU. ONNX's own node
 * tests check the ops one by one (test/onnx/node-tests.test.ts).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { type ModelSpec, buildModel } from '../../src/onnx/build.js';
import { runReference } from '../helpers/fixtures.js';
import { ecgc } from '../helpers/cli.js';
import { cortexToolsAvailable } from '../helpers/cortex.js';
import { graphOf } from '../helpers/model.js';
import { ort } from '../helpers/ort.js';
import { lcg } from '../helpers/random.js';

const dir = mkdtempSync(join(tmpdir(), 'ecgc-qdq-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const OUT_SCALE = 0.05;

/** x [1, 2, 40] -> Q/DQ (uint8) -> Conv (int8 weights, per output channel, DQ) -> Relu -> Q/DQ (uint8). */
function qdqConv(): ModelSpec {
  const next = lcg(7);
  const weights = Array.from({ length: 4 * 2 * 5 }, () => Math.round((next() * 2 - 1) * 127));
  return {
    inputs: [{ name: 'x', shape: [1, 2, 40] }],
    outputs: ['y'],
    initializers: {
      xs: { shape: [], data: [0.02] }, xz: { shape: [], data: [128], uint8: true },
      w: { shape: [4, 2, 5], data: weights, int8: true }, ws: { shape: [4], data: [0.004, 0.006, 0.003, 0.005] }, wz: { shape: [4], data: [0, 0, 0, 0], int8: true },
      b: { shape: [4], data: [0.1, -0.2, 0.05, 0] },
      ys: { shape: [], data: [OUT_SCALE] }, yz: { shape: [], data: [0], uint8: true },
    },
    nodes: [
      { op: 'QuantizeLinear', inputs: ['x', 'xs', 'xz'], outputs: ['xq'] },
      { op: 'DequantizeLinear', inputs: ['xq', 'xs', 'xz'], outputs: ['xd'] },
      { op: 'DequantizeLinear', inputs: ['w', 'ws', 'wz'], outputs: ['wd'], attrs: { axis: 0 } },
      { op: 'Conv', inputs: ['xd', 'wd', 'b'], outputs: ['c'], attrs: { kernel_shape: [5], pads: [2, 2] } },
      { op: 'Relu', inputs: ['c'], outputs: ['r'] },
      { op: 'QuantizeLinear', inputs: ['r', 'ys', 'yz'], outputs: ['rq'] },
      { op: 'DequantizeLinear', inputs: ['rq', 'ys', 'yz'], outputs: ['y'] },
    ],
  };
}

describe('a QDQ model (QuantizeLinear / DequantizeLinear around a Conv)', () => {
  const next = lcg(3);
  const x = Float32Array.from({ length: 3 * 80 }, () => (next() * 2 - 1) * 2.5);

  it.skipIf(!ort)('agrees with onnxruntime (graph optimizations off) within one output step', async () => {
    const spec = qdqConv();
    const ours = runReference(graphOf(spec), x, 3);
    const session = await ort!.InferenceSession.create(buildModel(spec), { graphOptimizationLevel: 'disabled' });
    const theirs: number[] = [];
    for (let n = 0; n < 3; n++) theirs.push(...Array.from((await session.run({ x: new ort!.Tensor('float32', x.slice(n * 80, (n + 1) * 80), [1, 2, 40]) })).y.data as Float32Array));
    expect(ours.length).toBe(theirs.length);
    const steps = Array.from(ours, (v, i) => Math.round(Math.abs(v - theirs[i]) / OUT_SCALE));
    expect(Math.max(...steps)).toBeLessThanOrEqual(1);
    expect(steps.filter((s) => s > 0).length).toBeLessThanOrEqual(ours.length / 50);
    expect(new Set(Array.from(ours)).size).toBeGreaterThan(10); // not clamped to a few values
  });

  it('compiles to C that is bit-exact on the host, and under QEMU on cortex-m4f and cortex-m0', async () => {
    const model = join(dir, 'qdq-conv.onnx');
    writeFileSync(model, buildModel(qdqConv()));
    const host = await ecgc(['verify', model, '--target', 'host', '--json']);
    expect(host.exitCode, host.stderr).toBe(0);
    expect(JSON.parse(host.stdout).bitExact).toBe(true);
    if (!(await cortexToolsAvailable('QDQ Cortex-M'))) return;
    for (const target of ['cortex-m4f', 'cortex-m0']) {
      const result = await ecgc(['verify', model, '--target', target, '--json']);
      expect(result.exitCode, result.stderr).toBe(0);
      expect(JSON.parse(result.stdout).bitExact).toBe(true);
    }
  }, 240_000);
});
