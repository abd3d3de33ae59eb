/**
 * Grad-CAM (Selvaraju et al., 2017) on a 1-D signal: for a layer's map A [K, positions], the
 * channel weights α_k are the mean over positions of ∂score/∂A_k, the map is
 * ReLU(Σ_k α_k A_k), stretched to the input's samples. Gradients come from the reverse pass
 * (src/explain/gradients.ts) at the reference's values; with an int8 plan the scores, the
 * class and the map A are the device's (src/explain/numerics.ts).
 */
import { differentiate } from './gradients.js';
import { mapRows, scoresPerWindow, stretch, timeLength } from './model.js';
import { type Numerics, deviceValues } from './numerics.js';
import { type ClassChoice, type WindowExplanation, forEachRun } from './saliency.js';

export function gradCam(numerics: Numerics, layer: string, windows: Float32Array, count: number, choose: ClassChoice): WindowExplanation[] {
  const { graph } = numerics;
  const gg = differentiate(graph, [layer], 'Grad-CAM');
  const device = numerics.device === graph ? undefined : deviceValues(numerics);
  const length = timeLength(graph);
  const { channels, lines, positions } = mapRows(graph.values.get(layer)!.shape);
  const mapSize = channels * lines * positions;
  const scoresPer = scoresPerWindow(graph);
  const explanations: WindowExplanation[] = [];
  forEachRun(gg, windows, count, (inputs, first, real) => {
    const float = gg.forward(inputs)[0];
    const output = device ? device.run(inputs)[0] : float;
    const seed = new Float64Array(output.length);
    const explained = Array.from({ length: real }, (_, b) => choose(output.subarray(b * scoresPer, (b + 1) * scoresPer), first + b));
    explained.forEach((c, b) => (seed[b * scoresPer + c] = 1));
    const [grad] = gg.backward(seed);
    const a = device ? device.value(layer) : gg.value(layer);
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
