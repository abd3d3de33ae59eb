/**
 * BatchNormalization in training mode (reference only): the batch's statistics per channel,
 * and the running mean and variance outputs, against a float64 computation of ONNX's
 * definition and against onnxruntime (both within the oracles' tolerance); the C refuses it
 * naming the node.
 */
import { describe, expect, it } from 'vitest';
import { generate } from '../../src/codegen/emit.js';
import { type ModelSpec, buildModel } from '../../src/onnx/build.js';
import { compileGraph } from '../../src/ref/interpreter.js';
import { ORACLE_TOLERANCE, relativeError } from '../helpers/fixtures.js';
import { graphOf } from '../helpers/model.js';
import { ort } from '../helpers/ort.js';
import { randomFloats } from '../helpers/random.js';

const [N, C, T] = [4, 3, 5];
const MOMENTUM = 0.8;
const EPSILON = 0.01;
const params = { scale: randomFloats(C, 1), b: randomFloats(C, 2), mean: randomFloats(C, 3), var: randomFloats(C, 4).map((v) => Math.abs(v) + 0.5) };

const spec: ModelSpec = {
  opset: 15,
  inputs: [{ name: 'x', shape: [N, C, T] }],
  outputs: ['y', 'running_mean', 'running_var'],
  initializers: Object.fromEntries(Object.entries(params).map(([name, data]) => [name, { shape: [C], data }])),
  nodes: [{ name: 'bn', op: 'BatchNormalization', inputs: ['x', 'scale', 'b', 'mean', 'var'], outputs: ['y', 'running_mean', 'running_var'], attrs: { training_mode: 1, momentum: MOMENTUM, epsilon: EPSILON } }],
};

// an offset per channel, so the statistics have something to remove
const x = Float32Array.from(randomFloats(N * C * T, 5, 2), (v, i) => v + Math.floor(i / T) % C);

/** ONNX's definition in float64: population variance over N and T. */
function expected(): number[][] {
  const y = new Array<number>(N * C * T);
  const [runningMean, runningVar] = [new Array<number>(C), new Array<number>(C)];
  for (let c = 0; c < C; c++) {
    const values = Array.from({ length: N * T }, (_, k) => x[(Math.floor(k / T) * C + c) * T + (k % T)]);
    const mean = values.reduce((s, v) => s + v, 0) / values.length;
    const variance = values.reduce((s, v) => s + (v - mean) ** 2, 0) / values.length;
    for (let n = 0; n < N; n++) for (let t = 0; t < T; t++) y[(n * C + c) * T + t] = ((x[(n * C + c) * T + t] - mean) / Math.sqrt(variance + EPSILON)) * params.scale[c] + params.b[c];
    runningMean[c] = params.mean[c] * MOMENTUM + mean * (1 - MOMENTUM);
    runningVar[c] = params.var[c] * MOMENTUM + variance * (1 - MOMENTUM);
  }
  return [y, runningMean, runningVar];
}

describe('BatchNormalization, training mode', () => {
  it("the reference follows ONNX's definition: y, running_mean, running_var", () => {
    const ours = compileGraph(graphOf(spec)).run([x]);
    expected().forEach((values, o) => expect(relativeError(ours[o], values), spec.outputs[o]).toBeLessThanOrEqual(ORACLE_TOLERANCE));
  });

  it.skipIf(!ort)('the reference agrees with onnxruntime', async () => {
    const session = await ort!.InferenceSession.create(buildModel(spec));
    const theirs = await session.run({ x: new ort!.Tensor('float32', x, [N, C, T]) });
    const ours = compileGraph(graphOf(spec)).run([x]);
    spec.outputs.forEach((name, o) => expect(relativeError(ours[o], theirs[name].data as Float32Array), name).toBeLessThanOrEqual(ORACLE_TOLERANCE));
  });

  it('the C refuses it, naming the node', () => {
    expect(() => generate(graphOf({ ...spec, outputs: ['y'] }), 'bn.onnx', { target: 'host' })).toThrow("node 'bn' (BatchNormalization): training mode (statistics of the batch) has no C kernel; export the model in eval() mode");
  });
});
