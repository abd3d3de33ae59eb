/**
 * CAM and Grad-CAM (src/explain/cam.ts, grad-cam.ts, model.ts): the head's weights found by
 * the reverse pass are the linear layer's own (a Concat's offset included); on a model that
 * ends in global average pooling and a linear layer, Grad-CAM on the pooled map is
 * ReLU(CAM) / positions, the identity that links the two methods; CAM refuses a head that
 * is not linear, naming the node.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cam, camHead, findCamHead } from '../../src/explain/cam.js';
import { gradCam } from '../../src/explain/grad-cam.js';
import { camLayer, scoreGraph } from '../../src/explain/model.js';
import { numericsOf } from '../../src/explain/numerics.js';
import { predictedClass } from '../../src/explain/saliency.js';
import type { Graph } from '../../src/ir/graph.js';
import { loadModel } from '../../src/model/load.js';
import { EXAMPLES } from '../helpers/examples.js';
import { graphOf } from '../helpers/model.js';
import { randomFloats } from '../helpers/random.js';

const T = 16;
const K = 4;

/** Conv (k3, pad 1: T positions) -> Relu -> GlobalAveragePool -> Flatten -> [Concat with `extra`] -> Gemm (3 classes). */
function gapModel(extra = 0, extraFirst = false): Graph {
  const features = K + extra;
  const pooled = extra ? (extraFirst ? ['e', 'f'] : ['f', 'e']) : [];
  return graphOf({
    inputs: [{ name: 'x', shape: [1, 1, T] }, ...(extra ? [{ name: 'e', shape: [1, extra] }] : [])],
    outputs: ['y'],
    initializers: { w: { shape: [K, 1, 3], data: randomFloats(K * 3, 1) }, b: { shape: [K], data: randomFloats(K, 2) }, g: { shape: [3, features], data: randomFloats(3 * features, 3) }, c: { shape: [3], data: [0.1, 0.2, 0.3] } },
    nodes: [
      { op: 'Conv', inputs: ['x', 'w', 'b'], outputs: ['a'], attrs: { kernel_shape: [3], pads: [1, 1] } },
      { op: 'Relu', inputs: ['a'], outputs: ['r'] },
      { op: 'GlobalAveragePool', inputs: ['r'], outputs: ['p'] },
      { op: 'Flatten', inputs: ['p'], outputs: ['f'], attrs: { axis: 1 } },
      ...(extra ? [{ op: 'Concat', inputs: pooled, outputs: ['h'], attrs: { axis: 1 } }] : []),
      { op: 'Gemm', inputs: [extra ? 'h' : 'f', 'g', 'c'], outputs: ['y'], attrs: { transB: 1 } },
    ],
  });
}

const gemmWeight = (graph: Graph) => graph.constants.get(graph.nodes.find((n) => n.op === 'Gemm')!.inputs[1])!.data;

describe('CAM head', () => {
  it("takes the linear layer's weights, also behind a Concat with further features", () => {
    for (const [extra, first] of [[0, false], [3, false], [3, true]] as const) {
      const graph = gapModel(extra, first);
      const head = camHead(graph);
      const g = gemmWeight(graph);
      const offset = first ? extra : 0;
      for (let c = 0; c < 3; c++) for (let k = 0; k < K; k++) expect(head.weights[c * K + k]).toBe(g[c * (K + extra) + offset + k]);
      expect(head.feature).toBe('r');
    }
  });

  it("of ArrhythmiaNet V2 is its Gemm's weight, bit for bit", () => {
    const graph = scoreGraph(loadModel(join(EXAMPLES, 'arrhythminet-v2', 'model.onnx')));
    const head = camHead(graph);
    const gemm = graph.nodes.find((n) => n.outputs.includes(graph.outputs[0]))!;
    expect(Array.from(head.weights)).toEqual(Array.from(graph.constants.get(gemm.inputs[1])!.data));
    expect(head.feature).toBe(camLayer(graph).value);
  });

  it('refuses a head that is not linear, naming the node', () => {
    const beats = loadModel(join(EXAMPLES, 'patch-beats', 'model.onnx'));
    expect(findCamHead(scoreGraph(beats))).toMatch(/node '\/head\/head\.2\/Relu' \(Relu\) after the pooling '\/ReduceMean' is not linear/);
    // Grad-CAM's default map is still the pooled one
    expect(camLayer(beats).value).toBe('/features/features.14/Relu_output_0');
  });
});

describe('CAM and Grad-CAM', () => {
  it('agree on a pooled model: Grad-CAM on the pooled map is ReLU(CAM) / positions', () => {
    const graph = gapModel();
    const numerics = numericsOf(graph);
    const windows = randomFloats(6 * T, 8);
    const maps = cam(numerics, windows, 6, predictedClass);
    const grads = gradCam(numerics, 'r', windows, 6, predictedClass);
    for (let w = 0; w < 6; w++) {
      expect(grads[w].explained).toBe(maps[w].explained);
      // one position per sample: no stretching between the two
      for (let t = 0; t < T; t++) expect(grads[w].saliency[t]).toBeCloseTo(Math.max(0, maps[w].saliency[t]) / T, 5);
      expect(Math.max(...grads[w].saliency)).toBeGreaterThan(0);
    }
  });
});
