/**
 * CAM (Zhou et al., 2016) for a model that ends in global average pooling and a linear
 * layer: the class's weights applied to the pooled map at every position,
 * cam[p] = Σ_k W[c, k] A[k, p], stretched to the input's samples. No gradients: the map the
 * inference computes anyway, and the linear layer's weights. Per position the sum runs over k
 * ascending in float32, each product and add rounded, as the device's <name>_explain does.
 */
import { fail } from '../errors.js';
import { opContext } from '../ir/context.js';
import type { Graph, Node } from '../ir/graph.js';
import { opDef } from '../ops/index.js';
import { differentiate } from './gradients.js';
import { lastGlobalPool, mapRows, scoresPerWindow, stretch, timeLength } from './model.js';
import { type Numerics, deviceValues } from './numerics.js';
import { type ClassChoice, type WindowExplanation, forEachRun } from './saliency.js';

export interface CamHead {
  /** The map the pooling reads ([N, K, ...positions]). */
  feature: string;
  /** The pooling. */
  pool: Node;
  /** Class c's weight for channel k: weights[c * channels + k] (float32). */
  weights: Float32Array;
  classes: number;
  channels: number;
}

/**
 * The model's global average pooling and linear head, or why CAM does not apply: every node
 * between the last average pooling and the scores must be affine in its run-time inputs
 * (Gemm, Concat with further features, views, ...). The head's weights are then the scores'
 * gradient with respect to the pooled features, the same at every input: found by the
 * reverse pass, whatever ops the head holds (a Concat's offset, transB, alpha).
 */
export function findCamHead(graph: Graph): CamHead | string {
  const pool = lastGlobalPool(graph, 'average');
  if (!pool) return 'the model has no global average pooling';
  const downstream = new Set([pool.outputs[0]]);
  for (const node of graph.nodes) {
    if (!node.inputs.some((i) => downstream.has(i))) continue;
    const def = opDef(node);
    if (!def.view && !def.affine?.(opContext(graph, node))) return `node '${node.name}' (${node.op}) after the pooling '${pool.name}' is not linear: the head is not a linear layer`;
    node.outputs.forEach((o) => o && downstream.add(o));
  }
  const feature = pool.inputs[0];
  const shape = graph.values.get(feature)!.shape;
  const channels = shape[1];
  const classes = scoresPerWindow(graph);
  const gg = differentiate(graph, [pool.outputs[0]], 'CAM');
  gg.forward(gg.inputSizes.map((size) => new Float32Array(size)));
  const weights = new Float32Array(classes * channels);
  for (let c = 0; c < classes; c++) {
    const seed = new Float64Array(classes * gg.batch);
    seed[c] = 1;
    // the pooled value of the first window: its channels first
    weights.set(gg.backward(seed)[0].subarray(0, channels), c * channels);
  }
  return { feature, pool, weights, classes, channels };
}

export function camHead(graph: Graph): CamHead {
  const head = findCamHead(graph);
  if (typeof head === 'string') fail(`CAM needs a model that ends in global average pooling and a linear layer; ${head} (--method gradcam or shap explain it)`);
  return head;
}

/** The CAM of class `c` over the map's positions for one window's map `a` ([K, positions], 1-D): the device's float32 order. */
export function camPositions(head: Pick<CamHead, 'weights' | 'channels'>, a: ArrayLike<number>, positions: number, c: number, into: Float32Array): void {
  const f = Math.fround;
  for (let p = 0; p < positions; p++) {
    let acc = 0;
    for (let k = 0; k < head.channels; k++) acc = f(acc + f(head.weights[c * head.channels + k] * a[k * positions + p]));
    into[p] = acc;
  }
}

/** With an int8 plan, the map and the scores are the device's (src/explain/numerics.ts), the weights the plan's. */
export function cam(numerics: Numerics, windows: Float32Array, count: number, choose: ClassChoice): WindowExplanation[] {
  const { graph } = numerics;
  const head = camHead(graph);
  const traced = deviceValues(numerics);
  const length = timeLength(graph);
  const { channels, lines, positions } = mapRows(graph.values.get(head.feature)!.shape);
  const mapSize = channels * lines * positions;
  const scoresPer = head.classes;
  const explanations: WindowExplanation[] = [];
  const line = new Float32Array(channels * positions);
  const lineMap = new Float32Array(positions);
  forEachRun(traced, windows, count, (inputs, first, real) => {
    const output = traced.run(inputs)[0];
    const a = traced.value(head.feature);
    for (let b = 0; b < real; b++) {
      const scores = output.slice(b * scoresPer, (b + 1) * scoresPer);
      const explained = choose(scores, first + b);
      const map = new Float64Array(positions);
      for (let l = 0; l < lines; l++) {
        // the line's [K, positions] rows
        for (let k = 0; k < channels; k++) for (let p = 0; p < positions; p++) line[k * positions + p] = a[b * mapSize + (k * lines + l) * positions + p];
        camPositions(head, line, positions, explained, lineMap);
        for (let p = 0; p < positions; p++) map[p] += lineMap[p] / lines;
      }
      explanations.push({ scores, explained, saliency: stretch(map, length) });
    }
  });
  return explanations;
}
