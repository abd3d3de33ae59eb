/**
 * Grad-CAM (Selvaraju et al., 2017) on a 1-D signal: for a layer's map A [K, positions], the
 * channel weights α_k are the mean over positions of ∂score/∂A_k, the map is
 * ReLU(Σ_k α_k A_k), stretched to the input's samples. Gradients come from the reverse pass
 * (src/explain/gradients.ts) at the reference's values.
 */
import type { Graph } from '../ir/graph.js';
import { differentiate } from './gradients.js';
import { mapRows, stretch, timeLength } from './model.js';
import { type ClassChoice, type WindowExplanation, forEachRun } from './saliency.js';

export function gradCam(graph: Graph, layer: string, windows: Float32Array, count: number, choose: ClassChoice): WindowExplanation[] {
  const gg = differentiate(graph, [layer], 'Grad-CAM');
  const length = timeLength(graph);
  const { channels, lines, positions } = mapRows(graph.values.get(layer)!.shape);
  const mapSize = channels * lines * positions;
  const scoresPer = graph.values.get(graph.outputs[0])!.shape.slice(1).reduce((p, d) => p * d, 1);
  const explanations: WindowExplanation[] = [];
  forEachRun(gg, windows, count, (inputs, _first, real) => {
    const output = gg.forward(inputs)[0];
    const seed = new Float64Array(output.length);
    const explained = Array.from({ length: real }, (_, b) => choose(output.subarray(b * scoresPer, (b + 1) * scoresPer)));
    explained.forEach((c, b) => (seed[b * scoresPer + c] = 1));
    const [grad] = gg.backward(seed);
    const a = gg.value(layer);
    for (let b = 0; b < real; b++) {
      const base = b * mapSize;
      const cam = new Float64Array(lines * positions);
      for (let k = 0; k < channels; k++) {
        const at = base + k * lines * positions;
        let alpha = 0;
        for (let i = 0; i < lines * positions; i++) alpha += grad[at + i];
        alpha /= lines * positions;
        for (let i = 0; i < lines * positions; i++) cam[i] += alpha * a[at + i];
      }
      // ReLU per position, then the mean over the lines of a 2-D map
      const map = new Float64Array(positions);
      for (let i = 0; i < lines * positions; i++) map[i % positions] += Math.max(0, cam[i]) / lines;
      explanations.push({ scores: output.slice(b * scoresPer, (b + 1) * scoresPer), explained: explained[b], saliency: stretch(map, length) });
    }
  });
  return explanations;
}
