/**
 * The generated C on Cortex-M targets, built with arm-none-eabi-gcc and run under
 * qemu-system-arm: every output's float32 bits equal the reference's for every fixture (M4F at
 * -O2 and -Os; M7, M33 and M0 at -O2), quantized layers of every width and encoding, and the
 * shipped example models with and without compression; the linked image's sizes add up.
 */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadPlan } from '../../src/codegen/plan.js';
import { type DeviceVerifyResult, verifyDevice } from '../../src/codegen/verify.js';
import type { Schedule } from '../../src/codegen/lower.js';
import type { LayerQuantization } from '../../src/codegen/weights.js';
import { syntheticModelInputs } from '../../src/data/model-inputs.js';
import { type Graph, windowsPerRun } from '../../src/ir/graph.js';
import { loadModel } from '../../src/model/load.js';
import { findWeightLayers } from '../../src/plan/layers.js';
import { sumParts } from '../../src/toolchain/size.js';
import { cortexTarget } from '../../src/toolchain/targets.js';
import { cortexToolsAvailable } from '../helpers/cortex.js';
import { expectVerified } from '../helpers/bit-exact.js';
import { EXAMPLES, shippedPlans } from '../helpers/examples.js';
import { fixturePath, loadFixture, manifest } from '../helpers/fixtures.js';
import { codebookLevels, convChain } from '../helpers/conv-chain.js';
import { randomFloats } from '../helpers/random.js';

const available = await cortexToolsAvailable('Cortex-M verification');
const REQUIRED = ['cortex-m4f', 'cortex-m7', 'cortex-m33', 'cortex-m0'];

/** verifyDevice, bit-exact at every level, and the linked image's sizes add up. */
async function verifyOnCortex(graph: Graph, source: string, inputs: Float32Array, count: number, target: string, optimizations: string[], quantization?: Map<string, LayerQuantization>, schedule?: Schedule, streamBlock?: number): Promise<DeviceVerifyResult> {
  const result = expectVerified(await verifyDevice(graph, source, inputs, count, cortexTarget(target)!, { optimizations, quantization, schedule, streamBlock }), target);
  expect(result.runs.map((r) => r.optimization)).toEqual(optimizations);
  for (const run of result.runs) {
    expect(run.report.runs).toBe(Math.ceil(count / windowsPerRun(graph)));
    // arm-none-eabi-size's totals, and the map file's attribution of every byte of them
    const { sizes } = run;
    expect(sizes.flash).toBe(sizes.text + sizes.data);
    expect(sizes.ram).toBe(sizes.data + sizes.bss);
    expect(sumParts(sizes.parts, (p) => p.kind === 'code' || p.kind === 'constants' || p.kind === 'data')).toBe(sizes.flash);
    expect(sumParts(sizes.parts, (p) => p.kind === 'data' || p.kind === 'bss' || p.kind === 'stack')).toBe(sizes.ram);
    // the weights in the image are exactly the bytes generate() emitted
    expect(sumParts(sizes.parts, (p) => p.group === 'weights')).toBe(result.generated.weightBytes);
    expect(run.report.stackPeak).toBeGreaterThan(0);
    expect(run.report.stackPeak).toBeLessThan(run.report.stackSize);
  }
  return result;
}

describe.skipIf(!available).concurrent('every fixture is bit-exact on Cortex-M', () => {
  for (const target of REQUIRED) {
    const levels = target === 'cortex-m4f' ? ['-O2', '-Os'] : ['-O2'];
    describe(`${target} ${levels.join(' ')}`, () => {
      for (const entry of manifest) {
        it(entry.name, async () => {
          const { graph, input } = loadFixture(entry.name);
          const result = await verifyOnCortex(graph, fixturePath(entry.name, 'model.onnx'), input.data, input.shape[0], target, levels);
          // the arena in the image is the planner's (the model's only zeroed RAM)
          expect(sumParts(result.runs[0].sizes.parts, (p) => p.group === 'model' && p.kind === 'bss')).toBe(Math.max(8, Math.ceil(result.generated.memory.arenaBytes / 8) * 8));
        }, 60_000);
      }
    });
  }

  it('cortex-m3 and cortex-m55 too (a few fixtures)', async () => {
    for (const target of ['cortex-m3', 'cortex-m55']) {
      for (const name of ['mobilenet1d', 'transformer_opset17', 'activations']) {
        const { graph, input } = loadFixture(name);
        await verifyOnCortex(graph, fixturePath(name, 'model.onnx'), input.data, input.shape[0], target, ['-O2']);
      }
    }
  }, 120_000);

  it('finds the first differing output when the C is not bit-exact: FMA contraction on the M4F', async () => {
    // Why every build passes -ffp-contract=off: with contraction GCC emits vfma and the last bits change.
    const { graph, input } = loadFixture('conv_odd_channels');
    const result = await verifyDevice(graph, 'conv_odd_channels.onnx', input.data, 1, cortexTarget('cortex-m4f')!, { optimizations: ['-O2'], extraFlags: ['-ffp-contract=fast'] });
    expect(result.mismatch).toBeDefined();
    const { expected, actual, sample } = result.mismatch!;
    expect(sample).toBe(0);
    expect(actual).not.toBe(expected);
    expect(Math.abs(actual - expected)).toBeLessThan(1e-5 * Math.max(1, Math.abs(expected)));
  }, 60_000);

  it('runs an image too large for the micro:bit on the M3 board, and says so', async () => {
    const { graph, input } = loadFixture('activations');
    const result = await verifyOnCortex(graph, 'activations.onnx', input.data, 1, 'cortex-m0', ['-O2']);
    expect(result.generated.memory.arenaBytes).toBeGreaterThan(16 * 1024);
    expect(result.runs[0].board.machine).toBe('mps2-an385');
    const small = loadFixture('pools_max');
    expect((await verifyOnCortex(small.graph, 'pools_max.onnx', small.input.data, 1, 'cortex-m0', ['-O2'])).runs[0].board.machine).toBe('microbit');
  }, 60_000);
});

describe.skipIf(!available).concurrent('quantized layers are bit-exact on Cortex-M: every width, quantizer and encoding', () => {
  const graph = convChain(61, 7);
  const x = randomFloats(3 * 2 * 61, 11);
  const uniform = (encoding: 'dense' | 'bitmap' | 'delta') => {
    const q = new Map<string, LayerQuantization>();
    for (let i = 0; i < 8; i++) {
      const bits = i + 1;
      q.set(`conv${i}`, { spec: { bits, quantizer: bits === 1 ? 'sign' : i % 2 ? 'uniform' : 'uniform-layer', threshold: 0.02 }, encoding: bits === 1 && encoding === 'dense' ? 'bitmap' : encoding });
    }
    q.set('fc', { spec: { bits: 4, quantizer: 'uniform', threshold: 0.01 }, encoding });
    return q;
  };
  const codebooks = new Map<string, LayerQuantization>();
  for (let i = 0; i < 8; i++) codebooks.set(`conv${i}`, { spec: { bits: 2 + (i % 7), quantizer: 'codebook', threshold: 0.02, levels: codebookLevels(2 + (i % 7)) }, encoding: (['dense', 'bitmap', 'delta'] as const)[i % 3] });

  // pruned float32 layers (indices + nonzero float32 weights), the other layers 4-bit
  const prunedFloat = new Map<string, LayerQuantization>();
  for (let i = 0; i < 8; i++) prunedFloat.set(`conv${i}`, i % 2 ? { float32Threshold: 0.3 + 0.1 * i } : { spec: { bits: 4, quantizer: 'uniform', threshold: 0.02 } });

  // bfloat16 scales (read through a bit cast, also on the FPU-less cortex-m0)
  const bfloat16Scales = new Map([...uniform('bitmap')].map(([node, q]) => [node, q.spec ? { ...q, spec: { ...q.spec, scaleFormat: 'bfloat16' as const } } : q]));

  for (const target of REQUIRED) {
    it(target, async () => {
      for (const encoding of ['dense', 'bitmap', 'delta'] as const) await verifyOnCortex(graph, 'chain.onnx', x, 3, target, ['-O2'], uniform(encoding));
      await verifyOnCortex(graph, 'chain.onnx', x, 3, target, ['-O2'], bfloat16Scales);
      await verifyOnCortex(graph, 'chain.onnx', x, 3, target, ['-Os'], codebooks);
      await verifyOnCortex(graph, 'chain.onnx', x, 3, target, ['-O2'], prunedFloat);
    }, 120_000);
  }
});

/**
 * The shipped models, each on every required target; but HuBERT-ECG: at 118 M multiply-adds a
 * window, one window did not finish within QEMU's 60 s on the soft-float cortex-m0, and its
 * float32, 4-bit and plan builds on four targets would add minutes to the suite. Its plan is
 * verified on cortex-m7 on real records by test/examples/hubert-ecg.test.ts.
 */
const examples = readdirSync(EXAMPLES).filter((d) => existsSync(join(EXAMPLES, d, 'model.onnx')) && d !== 'hubert-ecg');

/** 4-bit uniform weights, 30% pruned, encodings as src/pack chooses: what a compression plan gives. */
function fourBit(graph: Graph): Map<string, LayerQuantization> {
  const q = new Map<string, LayerQuantization>();
  for (const layer of findWeightLayers(graph)) {
    const sorted = Float64Array.from(graph.constants.get(layer.weight)!.data, Math.abs).sort();
    q.set(layer.node, { spec: { bits: 4, quantizer: 'uniform', threshold: sorted[Math.floor(0.3 * sorted.length)] } });
  }
  return q;
}

describe.skipIf(!available).concurrent('the shipped example models are bit-exact on Cortex-M, float32 and compressed', () => {
  const planNames = (example: string) => shippedPlans(example).map((p) => p.name);
  it('finds the shipped models and plans (a missing one must not pass unseen)', () => {
    expect(examples).toEqual(expect.arrayContaining(['arrhythminet-v1', 'arrhythminet-v2', 'resnet1d', 'rhythm-stream']));
    // the ECG patch's plans
    expect(planNames('arrhythminet-v2')).toEqual(expect.arrayContaining(['plan-laq-lap.json', 'plan-qat.json']));
    expect(planNames('rhythm-stream')).toContain('plan-laq-lap.json');
    expect(planNames('patch-rhythm')).toContain('plan.json');
  });
  for (const example of examples) {
    for (const target of REQUIRED) {
      it(`${example} on ${target}`, async () => {
        const file = join(EXAMPLES, example, 'model.onnx');
        const graph = loadModel(file);
        const windows = syntheticModelInputs(graph, file, 2);
        const levels = target === 'cortex-m4f' ? ['-O2', '-Os'] : ['-O2'];
        const float32 = await verifyOnCortex(graph, file, windows.x, 2, target, levels);
        const compressed = await verifyOnCortex(graph, file, windows.x, 2, target, levels, fourBit(graph));
        // 4-bit weights: under a third of the float32 bytes; the linked image shrinks too (the decoders cost some code)
        expect(compressed.generated.weightBytes).toBeLessThan(float32.generated.weightBytes / 3);
        expect(compressed.runs[0].sizes.flash).toBeLessThan(float32.runs[0].sizes.flash - (float32.generated.weightBytes - compressed.generated.weightBytes) / 2);
        // and the plans the example ships (the ECG patch's depth first as the firmware runs them; an int8 plan's integer graph)
        for (const shipped of shippedPlans(example)) {
          const { graph: planned, quantization } = loadPlan(shipped.plan, shipped.model, loadModel(shipped.model));
          await verifyOnCortex(planned, shipped.model, windows.x, 2, target, ['-O2'], quantization, 'stream');
          // depth first in blocks of 3 columns per decoding of the weights, with and without the DSP extension
          if (target === 'cortex-m4f' || target === 'cortex-m0') await verifyOnCortex(planned, shipped.model, windows.x, 2, target, ['-O2'], quantization, 'stream', 3);
        }
      }, 120_000);
    }
  }
});
