/**
 * The reference interpreter against onnxruntime (an independent reading of the same ONNX
 * graph), on every fixture, within the same tolerance as torch. onnxruntime-node is a dev
 * dependency: the test says so and skips only outside CI when it cannot be loaded.
 */
import { describe, it } from 'vitest';
import { expectAgreement, fixturePath, loadFixture, manifest, runReference } from '../helpers/fixtures.js';
import { windowsPerRun } from '../../src/ir/graph.js';
import { wholeRuns } from '../../src/ref/interpreter.js';
import { ort } from '../helpers/ort.js';

/**
 * onnxruntime 1.20 predates the ONNX fix for ceil-mode pooling windows that start in the
 * right padding: it refuses this graph (its inferred length differs from the declared one).
 * torch and ecgc agree on it (torch-oracle.test.ts).
 */
const ORT_CANNOT_LOAD = new Set(['pool_ceil_edge']);

describe.skipIf(!ort)('reference interpreter matches onnxruntime', () => {
  for (const entry of manifest.filter((m) => !ORT_CANNOT_LOAD.has(m.name))) {
    it(`${entry.name} (opset ${entry.opset})`, async () => {
      const { graph, input } = loadFixture(entry.name);
      const count = input.shape[0];
      // Graph optimizations off: onnxruntime 1.20 fuses Pad into AveragePool and then
      // divides by the unpadded count, which changes the graph's meaning.
      const session = await ort!.InferenceSession.create(fixturePath(entry.name, 'model.onnx'), { graphOptimizationLevel: 'disabled' });
      const sample = input.shape.slice(1);
      const sampleSize = input.data.length / count;
      // One run of the graph's batch per call (1 for a symbolic or static batch of 1), the last padded with zeros.
      const batch = windowsPerRun(graph);
      const outputs: Float32Array[] = [];
      const runs = wholeRuns(input.data, count, batch).input;
      for (let first = 0; first < count; first += batch) {
        const x = new ort!.Tensor('float32', runs.slice(first * sampleSize, (first + batch) * sampleSize), [batch, ...sample]);
        const y = (await session.run({ [session.inputNames[0]]: x }))[session.outputNames[0]].data as Float32Array;
        outputs.push(y.slice(0, (y.length / batch) * Math.min(batch, count - first)));
      }
      const expected = new Float32Array(outputs.reduce((s, o) => s + o.length, 0));
      outputs.reduce((offset, o) => (expected.set(o, offset), offset + o.length), 0);
      const actual = runReference(graph, input.data, count);
      expectAgreement(actual, expected, entry);
    });
  }
});
