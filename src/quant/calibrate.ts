/**
 * Calibration of int8 activations: the range of every float32 value of a float graph (its
 * weights as the plan deploys them) over calibration windows, and the quantizations two
 * rules make from them:
 *
 *   minmax      the whole observed range;
 *   percentile  the range clipped to the 0.01th and 99.99th percentiles of the value's
 *               elements (a 2048-bin histogram over the observed range; its bin edges).
 *
 * The caller picks the rule by the score the integer reference reaches with each
 * (src/quant/activation-plan.ts).
 */
import type { Graph } from '../ir/graph.js';
import { compileGraph, runInputSize, runInputs, wholeRuns } from '../ref/interpreter.js';
import { type ActivationQuant, quantFromRange } from './activations.js';

export const CALIBRATION_RULES = ['minmax', 'percentile'] as const;
export type CalibrationRule = (typeof CALIBRATION_RULES)[number];

const BINS = 2048;
const TAIL = 1e-4;

interface Range {
  min: number;
  max: number;
  histogram: Float64Array;
}

/** Each rule's quantization of every float32 value computed at run time (and of the graph inputs). */
export function calibrate(graph: Graph, input: Float32Array, count: number): Record<CalibrationRule, Map<string, ActivationQuant>> {
  const values = [...graph.inputs, ...graph.nodes.flatMap((node) => node.outputs)].filter((name) => name !== '' && graph.values.get(name)?.dtype === 'float32');
  const compiled = compileGraph({ ...graph, outputs: values });
  const runs = wholeRuns(input, count, compiled.batch);
  const inRun = runInputSize(compiled);
  // the padding windows of the last run are not data: a partial run is left out of the ranges
  const runCount = Math.floor(count / compiled.batch) || 1;
  const each = (visit: (outputs: Float32Array[]) => void) => {
    for (let r = 0; r < runCount; r++) visit(compiled.run(runInputs(compiled, runs.input.subarray(r * inRun, (r + 1) * inRun))));
  };
  const ranges: Range[] = values.map(() => ({ min: Infinity, max: -Infinity, histogram: new Float64Array(BINS) }));
  each((outputs) =>
    outputs.forEach((data, v) => {
      const range = ranges[v];
      for (let i = 0; i < data.length; i++) {
        if (data[i] < range.min) range.min = data[i];
        if (data[i] > range.max) range.max = data[i];
      }
    }),
  );
  each((outputs) =>
    outputs.forEach((data, v) => {
      const { min, max, histogram } = ranges[v];
      const width = (max - min) / BINS;
      if (!(width > 0)) return;
      for (let i = 0; i < data.length; i++) histogram[Math.min(BINS - 1, Math.floor((data[i] - min) / width))]++;
    }),
  );
  const rules = { minmax: new Map<string, ActivationQuant>(), percentile: new Map<string, ActivationQuant>() };
  values.forEach((name, v) => {
    const { min, max } = ranges[v];
    rules.minmax.set(name, quantFromRange(min, max));
    rules.percentile.set(name, quantFromRange(...percentileRange(ranges[v])));
  });
  return rules;
}

/** The bin edges that leave out TAIL of the elements on each side. */
function percentileRange({ min, max, histogram }: Range): [number, number] {
  const total = histogram.reduce((a, b) => a + b, 0);
  if (total === 0) return [min, max];
  const width = (max - min) / BINS;
  let [low, high, seen] = [0, BINS - 1, 0];
  while (low < BINS - 1 && seen + histogram[low] <= TAIL * total) seen += histogram[low++];
  seen = 0;
  while (high > low && seen + histogram[high] <= TAIL * total) seen += histogram[high--];
  return [min + low * width, min + (high + 1) * width];
}
