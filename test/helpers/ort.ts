/**
 * onnxruntime-node, an outside reference for the reference interpreter (a dev dependency):
 * undefined, with a warning, where it cannot load; under CI=true that is an error.
 */
import { expect } from 'vitest';
import { type ModelSpec, buildModel } from '../../src/onnx/build.js';
import { expectAgreement, runReference } from './fixtures.js';
import { graphOf } from './model.js';

type Ort = typeof import('onnxruntime-node');

export let ort: Ort | undefined;
try {
  ort = await import('onnxruntime-node');
} catch (e) {
  if (process.env.CI === 'true') throw new Error(`onnxruntime-node is a dev dependency and must load under CI: ${(e as Error).message}`);
  console.warn(`SKIPPING onnxruntime comparisons: onnxruntime-node cannot be loaded (${(e as Error).message})`);
}

/**
 * Runs `spec` (one input 'x', one output 'y') in onnxruntime sample by sample ([1, ...sample])
 * and expects ecgc's reference within the oracles' tolerance (ORACLE_TOLERANCE: onnxruntime's
 * summation order is its own; within one `step` for a model quantized in ONNX, whose output
 * scale it is), or equal with `exact` (data movement, indices).
 */
export async function agreesWithOrt(spec: ModelSpec, x: Float32Array, count: number, sample: number[], { exact = false, step }: { exact?: boolean; step?: number } = {}): Promise<void> {
  const ours = runReference(graphOf(spec), x, count);
  const session = await ort!.InferenceSession.create(buildModel(spec));
  const size = x.length / count;
  const theirs: number[] = [];
  for (let n = 0; n < count; n++) {
    const result = await session.run({ x: new ort!.Tensor('float32', x.slice(n * size, (n + 1) * size), [1, ...sample]) });
    theirs.push(...Array.from(result.y.data as ArrayLike<number | bigint>, Number));
  }
  if (exact) expect(Array.from(ours)).toEqual(theirs);
  else expectAgreement(ours, theirs, { output_step: step });
}
