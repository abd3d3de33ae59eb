/**
 * --max-explanation-drift x: a candidate is held to explanations that agree with the full
 * model's, mean rank correlation >= 1 - x, on windows spread over --data. The explanation is
 * CAM where the model ends in global average pooling and a linear layer, else Grad-CAM on its
 * default map (src/explain); each window's is of the class the full model predicts, so that
 * the two compare. Measured on complete evaluations that meet the other constraints, in the
 * main thread, with the candidate's numbers (src/explain/numerics.ts): on int8 activations
 * the device's maps and scores, the gradients from its weights in float32.
 */
import type { Graph } from '../ir/graph.js';
import { rankCorrelation } from '../explain/agreement.js';
import { cam, findCamHead } from '../explain/cam.js';
import { gradCam } from '../explain/grad-cam.js';
import { camLayer, scoreGraph } from '../explain/model.js';
import { type Numerics, numericsOf } from '../explain/numerics.js';
import { type ClassChoice, type WindowExplanation, predictedClass } from '../explain/saliency.js';

/** Windows the agreement is measured on, at most (spread over --data). */
export const EXPLANATION_WINDOWS = 128;

type Method = 'cam' | 'gradcam';

export class ExplanationGuard {
  private constructor(
    readonly method: Method,
    private readonly windows: Float32Array,
    private readonly count: number,
    private readonly full: WindowExplanation[],
  ) {}

  /** The full model's explanations on up to EXPLANATION_WINDOWS of the `count` windows of `x`. */
  static create(graph: Graph, x: Float32Array, count: number): ExplanationGuard {
    const size = x.length / count;
    const picked = Math.min(count, EXPLANATION_WINDOWS);
    const windows = new Float32Array(picked * size);
    for (let k = 0; k < picked; k++) {
      const i = Math.floor(((k + 0.5) * count) / picked);
      windows.set(x.subarray(i * size, (i + 1) * size), k * size);
    }
    const method: Method = typeof findCamHead(scoreGraph(graph)) === 'string' ? 'gradcam' : 'cam';
    return new ExplanationGuard(method, windows, picked, explain(method, numericsOf(graph), windows, picked, predictedClass));
  }

  /** The mean rank correlation of `candidate`'s explanations (the same classes) with the full model's. */
  agreement(candidate: Numerics): number {
    const mine = explain(this.method, candidate, this.windows, this.count, (_scores, w) => this.full[w].explained);
    return mine.reduce((sum, e, w) => sum + rankCorrelation(this.full[w].saliency, e.saliency), 0) / mine.length;
  }
}

function explain(method: Method, numerics: Numerics, windows: Float32Array, count: number, choose: ClassChoice): WindowExplanation[] {
  return method === 'cam' ? cam(numerics, windows, count, choose) : gradCam(numerics, camLayer(numerics.graph).value, windows, count, choose);
}
