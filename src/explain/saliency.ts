/** What every explanation method gives per window. */
import { runInputSize, runInputs, wholeRuns } from '../ref/interpreter.js';

export interface WindowExplanation {
  /** The window's scores (the score graph's output, src/explain/model.ts). */
  scores: Float32Array;
  /** The class explained. */
  explained: number;
  /** The saliency of each input sample (the first input's last axis). */
  saliency: Float64Array;
}

/** Which class a window's explanation is about, from its scores and its index among the windows explained: its predicted class, a fixed one, another model's. */
export type ClassChoice = (scores: ArrayLike<number>, window: number) => number;

export const predictedClass: ClassChoice = (scores) => {
  let best = 0;
  for (let c = 1; c < scores.length; c++) if (scores[c] > scores[best]) best = c;
  return best;
};

/**
 * Calls `each` on every run of the graph's batch over `count` windows back to back (the last
 * run padded with zero windows), with the run's input tensors and how many of its windows are real.
 */
export function forEachRun(graph: { inputSizes: number[]; batch: number }, windows: Float32Array, count: number, each: (inputs: Float32Array[], first: number, real: number) => void): void {
  const inRun = runInputSize(graph);
  const { input } = wholeRuns(windows, count, graph.batch);
  for (let first = 0; first < count; first += graph.batch) {
    const run = input.subarray((first / graph.batch) * inRun, (first / graph.batch + 1) * inRun);
    each(runInputs(graph, run), first, Math.min(graph.batch, count - first));
  }
}
