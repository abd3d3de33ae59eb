/**
 * `ecgc compress --activations int8`: the activations calibrated on the search's windows by
 * each rule (calibrate.ts) before the search, and the rule whose integer reference scores
 * better on them kept (the metric, or agreement with the full model without labels; a tie
 * keeps minmax); a plan's layers as the integer mode stores them (every weight in 1..8 bits
 * with a scale per row, its flash bytes as the integer kernels count them).
 */
import { fail } from '../errors.js';
import type { Graph } from '../ir/graph.js';
import type { Calibration } from '../compress/calibration.js';
import { type MetricName, argmaxRows, classificationMetrics } from '../compress/metrics.js';
import type { IntegerLayer } from '../ops/integer.js';
import { integerLayerSize } from '../pack/size.js';
import { findWeightLayers, readRows } from '../plan/layers.js';
import { type ActivationsRecord, type PlanLayer, quantizerSpec } from '../plan/plan.js';
import { quantizeLayer } from '../plan/quantize.js';
import { compileGraph, runBatch } from '../ref/interpreter.js';
import { CALIBRATION_RULES, type CalibrationRule, calibrate } from './calibrate.js';
import { integerGraph, layerRunsOnInt8 } from './integer-graph.js';

/** About how many windows calibration reads (every k-th of the data, k = floor(count / this)). */
const CALIBRATION_WINDOWS = 1000;

/**
 * The activations' int8 quantization for the integer graph of `integerLayers` (`applied`: the
 * float graph with those layers' weights dequantized), calibrated on `data` by each rule; the
 * rule whose integer reference scores better on it is kept (`metric`, or without labels the
 * agreement with `graph`, the full model).
 */
export function calibrateActivations(graph: Graph, applied: Graph, integerLayers: Map<string, IntegerLayer>, data: Calibration, metric: MetricName): ActivationsRecord {
  const step = Math.max(1, Math.floor(data.count / CALIBRATION_WINDOWS));
  const picked = Array.from({ length: Math.ceil(data.count / step) }, (_, k) => k * step).filter((w) => w < data.count);
  const windowSize = data.x.length / data.count;
  const x = new Float32Array(picked.length * windowSize);
  picked.forEach((w, k) => x.set(data.x.subarray(w * windowSize, (w + 1) * windowSize), k * windowSize));
  const labels = data.labels && Int32Array.from(picked, (w) => data.labels![w]);

  const rules = calibrate(applied, x, picked.length);
  const score = (rule: CalibrationRule): number => {
    const outputs = runBatch(compileGraph(integerGraph(applied, { tensors: rules[rule], layers: integerLayers })), x, picked.length);
    const classes = outputs.length / picked.length;
    const predicted = argmaxRows(outputs, classes);
    if (!labels) {
      // agreement with the full model, as the plan's label-free figures count it
      const expected = argmaxRows(runBatch(compileGraph(graph), x, picked.length), classes);
      return predicted.reduce((agree, p, i) => agree + (p === expected[i] ? 1 : 0), 0) / predicted.length;
    }
    const metrics = classificationMetrics(labels, predicted, classNamesOf(data, classes));
    return metric === 'f1' ? metrics.macroF1 : metrics.accuracy;
  };
  const scores = Object.fromEntries(CALIBRATION_RULES.map((rule) => [rule, score(rule)])) as Record<CalibrationRule, number>;
  const rule = CALIBRATION_RULES.reduce((best, r) => (scores[r] > scores[best] ? r : best));
  const tensors = [...rules[rule]].map(([value, q]) => ({ value, scale: q.scale, zeroPoint: q.zeroPoint }));
  return { type: 'int8', calibration: { rule, windows: picked.length, metric: labels ? metric : 'agreement', scores }, tensors };
}

/**
 * The plan's layers as the integer mode stores them: every weight of a layer that runs on int8
 * in 1..8 bits with a scale per row (a float32 layer becomes 8-bit uniform, its pruning kept),
 * its bytes counted as the integer kernels pack them (integerLayerSize); a layer whose op runs
 * it in float32 there (layerRunsOnInt8) as it is.
 */
export function integerPlanLayers(graph: Graph, entries: PlanLayer[]): PlanLayer[] {
  const layers = findWeightLayers(graph);
  return entries.map((entry, i): PlanLayer => {
    if (!layerRunsOnInt8(graph, layers[i])) return entry; // (it runs in float32 there, stored as such)
    if (entry.quantizer === 'codebook') fail(`--activations int8: layer '${entry.node}' uses a codebook, which has no integer form (use --quantizer uniform or uniform-layer)`);
    const rows = readRows(graph, layers[i]);
    const toUniform = entry.quantizer === 'float32';
    const spec = entry.quantizer === 'float32' ? { bits: 8, quantizer: 'uniform' as const, threshold: entry.threshold, scaleFormat: entry.scaleFormat } : quantizerSpec(entry, entry.quantizer);
    const q = quantizeLayer(rows, entry.rows, spec);
    const size = integerLayerSize(q.codes, entry.rows, toUniform ? 8 : entry.bits);
    return {
      ...entry,
      ...(toUniform ? { bits: 8, quantizer: 'uniform', scales: Array.from(q.scales), scaleFormat: entry.scaleFormat ?? 'float32' } : {}),
      encoding: size.encoding,
      bytes: { index: size.indexBytes, codes: size.codeBytes, scales: size.scaleBytes, levels: 0, bias: size.biasBytes, total: size.total },
    };
  });
}

const classNamesOf = (data: Calibration, classes: number): string[] => data.classNames ?? Array.from({ length: classes }, (_, c) => String(c));
