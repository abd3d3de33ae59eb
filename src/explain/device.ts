/**
 * The class activation map on the device (`ecgc compile/verify --explain`): what the C's
 * <name>_explain computes, from the map the inference leaves in the arena and the linear
 * layer's weights of the class the run decided, and its reference here. Per position p,
 * cam[p] = Σ_k W[c, k] a[k, p] in float32, k ascending, each product and add rounded (as
 * camPositions); on an int8 plan a[k, p] = fround((q - zero point) * scale) of the int8 map.
 */
import { fail } from '../errors.js';
import { type Graph, windowsPerRun } from '../ir/graph.js';
import type { ActivationQuant } from '../quant/activations.js';
import { compileTraced } from '../ref/interpreter.js';
import { camHead, camPositions } from './cam.js';
import { mapRows } from './model.js';
import type { Numerics } from './numerics.js';
import { forEachRun, predictedClass } from './saliency.js';

export interface DeviceCam {
  /** The map's value in the compiled graph: the float32 map, or its int8 twin. */
  value: string;
  /** The int8 map's quantization; undefined for a float32 map. */
  quant?: ActivationQuant;
  /** W[c * channels + k], float32 (the plan's weights as deployed). */
  weights: Float32Array;
  classes: number;
  channels: number;
  positions: number;
}

/** The CAM a compiled model can give: its head (src/explain/cam.ts) and where the device holds the map. */
export function deviceCam(numerics: Numerics): DeviceCam {
  const head = camHead(numerics.graph);
  if (windowsPerRun(numerics.graph) !== 1) fail(`--explain: the model takes ${windowsPerRun(numerics.graph)} windows a run; the map on the device is one window's (compile with --batch 1)`);
  const { channels, lines, positions } = mapRows(numerics.graph.values.get(head.feature)!.shape);
  if (lines !== 1) fail(`--explain: the pooled map '${head.feature}' is 2-D; the device's map is over one axis`);
  const twin = numerics.twins?.get(head.feature);
  return { value: twin?.value ?? head.feature, quant: twin?.quant, weights: head.weights, classes: head.classes, channels, positions };
}

/**
 * What the device gives per window of `windows` run through `compiled` (the graph the C
 * computes): its outputs, then the CAM of the class they decide (the first of equal scores).
 */
export function outputsWithCam(compiled: Graph, cam: DeviceCam, windows: Float32Array, count: number): Float32Array {
  const traced = compileTraced(compiled);
  const outputSize = traced.outputSizes[0];
  const record = outputSize + cam.positions;
  const out = new Float32Array(count * record);
  const dequantized = new Float32Array(cam.channels * cam.positions);
  const head = { weights: cam.weights, channels: cam.channels };
  forEachRun(traced, windows, count, (inputs, first) => {
    const outputs = traced.run(inputs)[0];
    const map = traced.value(cam.value);
    const { scale, zeroPoint } = cam.quant ?? { scale: 1, zeroPoint: 0 };
    for (let i = 0; i < dequantized.length; i++) dequantized[i] = cam.quant ? Math.fround((map[i] - zeroPoint) * scale) : map[i];
    out.set(outputs, first * record);
    camPositions(head, dequantized, cam.positions, predictedClass(outputs, first), out.subarray(first * record + outputSize, (first + 1) * record));
  });
  return out;
}
