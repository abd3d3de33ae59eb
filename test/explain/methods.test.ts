/**
 * Every method on every shipped model and every fixture: SHAP explains all of them; Grad-CAM
 * every model with a float32 convolutional layer (through GRU and LSTM too; it refuses the
 * pooling-only fixtures and the model quantized in ONNX, whose integer ops have no gradient);
 * CAM every model that ends in global average pooling and a linear layer, and refuses the
 * others with the reason. Each saliency has one finite value per input sample.
 */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { type Method, saliencies } from '../../src/explain/explain.js';
import { timeLength } from '../../src/explain/model.js';
import { numericsOf } from '../../src/explain/numerics.js';
import { predictedClass } from '../../src/explain/saliency.js';
import { sizeOf } from '../../src/ir/graph.js';
import { loadModel } from '../../src/model/load.js';
import { EXAMPLES } from '../helpers/examples.js';
import { FIXTURES } from '../helpers/fixtures.js';

const shipped = readdirSync(EXAMPLES, { withFileTypes: true })
  .filter((d) => d.isDirectory())
  .flatMap((d) => readdirSync(join(EXAMPLES, d.name)).filter((f) => f.endsWith('.onnx')).map((f) => join(EXAMPLES, d.name, f)));
const fixtures = readdirSync(FIXTURES).filter((f) => existsSync(join(FIXTURES, f, 'model.onnx'))).map((f) => join(FIXTURES, f, 'model.onnx'));

/** examples/<folder>/<file>.onnx, or fixtures/<name>. */
const name = (file: string) => file.replace(/.*\/(examples|fixtures)\//, '$1/').replace(/^(fixtures\/[\w-]+)\/model\.onnx$/, '$1');
/** The models CAM applies to: global average pooling and a linear head. */
const CAM = new Set([
  ...['arrhythminet-v1/model.onnx', 'arrhythminet-v1/model-qat.onnx', 'arrhythminet-v2/model.onnx', 'arrhythminet-v2/model-qat.onnx', 'arrhythminet-v2/model-int8-qat.onnx', 'arrhythminet-v2/model-record-split.onnx'].map((m) => `examples/${m}`),
  ...['arrhythminet-v2-aami', 'patch-rhythm', 'rhythm-stream'].map((m) => `examples/${m}/model.onnx`),
  ...['conv2d_1xk', 'conv2d_1xk_batch4', 'global_pools_reduce', 'mobilenet1d', 'mobilenet1d_opset13', 'resnet1d', 'resnet1d_batch4', 'resnet1d_opset11'].map((m) => `fixtures/${m}`),
]);
/** Grad-CAM's refusals. */
const NO_GRAD_CAM: Record<string, RegExp> = {
  'fixtures/avgpool_ceil_include_pad': /needs a float32 convolutional layer; the model has none/,
  'fixtures/pool_ceil_edge': /needs a float32 convolutional layer; the model has none/,
  'fixtures/qat_cnn_qdq': /needs a float32 convolutional layer; the model has none/,
};

describe('every method on every shipped model and fixture', () => {
  it('covers the shipped models and the fixtures', () => {
    expect(shipped.length).toBeGreaterThanOrEqual(12);
    expect(fixtures.length).toBeGreaterThanOrEqual(30);
    for (const known of [...CAM, ...Object.keys(NO_GRAD_CAM)]) expect([...shipped, ...fixtures].map(name), known).toContain(known);
  });

  for (const file of [...shipped, ...fixtures]) {
    const model = name(file);
    it(model, async () => {
      const graph = loadModel(file);
      const numerics = numericsOf(graph);
      const size = graph.inputs.reduce((sum, input) => sum + sizeOf(graph.values.get(input)!.shape.slice(1)), 0);
      const windows = Float32Array.from({ length: 2 * size }, (_, i) => Math.sin(0.37 * i));
      const input = { windows, indices: [0, 1], background: windows, classes: [], units: 'z-score' };
      const run = (method: Method) => saliencies(numerics, input, { method, shap: { segments: 4, permutations: 2, seed: 0, background: 2 }, threads: 1 }, predictedClass);
      const expectSaliency = (explained: { saliency: Float64Array }[]) => {
        expect(explained).toHaveLength(2);
        for (const e of explained) {
          expect(e.saliency).toHaveLength(timeLength(graph));
          expect(e.saliency.every(Number.isFinite)).toBe(true);
        }
      };
      expectSaliency(await run('shap'));
      if (NO_GRAD_CAM[model]) await expect(run('gradcam')).rejects.toThrow(NO_GRAD_CAM[model]);
      else expectSaliency(await run('gradcam'));
      if (CAM.has(model)) expectSaliency(await run('cam'));
      else await expect(run('cam')).rejects.toThrow(/^CAM needs a model that ends in global average pooling and a linear layer; .*\(--method gradcam or shap explain it\)$/);
    }, 60_000);
  }
});
