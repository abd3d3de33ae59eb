/**
 * `ecgc explain`'s work: explanations of chosen windows by one method, for the float model
 * and, with a plan, for the compressed model beside it (the same class explained, so the two
 * compare), their agreement, and per class the mean saliency and its shares around the R
 * peak. The result is the report explain.json holds (schema ecgc.explain/1).
 */
import { fail } from '../errors.js';
import { BatchRunner } from '../ref/parallel.js';
import { type Agreement, agreement, meanAgreement } from './agreement.js';
import { cam } from './cam.js';
import { gradCam } from './grad-cam.js';
import { camLayer, lastGlobalPool, timeLength } from './model.js';
import type { Numerics } from './numerics.js';
import { type Region, type Regions, REGIONS_MS, regionShares, regionsOf } from './regions.js';
import { type ClassChoice, type WindowExplanation, predictedClass } from './saliency.js';
import { type ShapExplanation, type ShapOptions, shapWindow } from './shap.js';

export const EXPLAIN_SCHEMA = 'ecgc.explain/1';
export const METHODS = ['gradcam', 'shap', 'cam'] as const;
export type Method = (typeof METHODS)[number];

export interface ExplainSettings {
  method: Method;
  /** Grad-CAM's layer (a node name); default: the map the last global pooling reads. */
  layer?: string;
  /** A fixed class; undefined: each window's class as the float model predicts it. */
  classIndex?: number;
  shap: ShapOptions & { background: number };
  threads: number;
}

/** The windows to explain and what is known of them. */
export interface ExplainInput {
  /** Windows back to back, each every graph input's values. */
  windows: Float32Array;
  /** Their indices in the source (dataset or .npy). */
  indices: number[];
  labels?: ArrayLike<number>;
  /** SHAP's background: real windows back to back. */
  background: Float32Array;
  classes: string[];
  samplingRate?: number;
  rPeakAt?: number;
  /** The unit of the windows' values ('mV', or 'z-score' for normalized windows). */
  units: string;
}

export type Shares = Record<Region, number> | null;

export interface WindowReport {
  index: number;
  label: string | null;
  predicted: string;
  explained: string;
  /** The explained class's score (logit, or the output where the model gives no probabilities). */
  score: number;
  saliency: number[];
  shares: Shares;
  /** SHAP: the values' sum and f(x) - E_background f, which efficiency makes equal. */
  efficiency?: { sum: number; expected: number };
  compressed?: { predicted: string; score: number; saliency: number[]; shares: Shares; agreement: Agreement };
}

export interface ClassReport {
  class: string;
  /** Windows whose explained class this is. */
  windows: number;
  /** The mean over them of each window's saliency scaled to a largest |value| of 1. */
  saliency: number[];
  /** The mean of their first lead. */
  trace: number[];
  shares: Shares;
  compressed?: { saliency: number[]; shares: Shares; agreement: Agreement | null };
}

export interface ExplainReport {
  schema: typeof EXPLAIN_SCHEMA;
  model: string;
  plan: string | null;
  /** The model the plan compresses: the model itself, or another of the same interface (a fine-tuned one). */
  planModel: string | null;
  source: string;
  method: Method;
  /** Grad-CAM's layer (the value it weighs), CAM's pooled map, null for SHAP. */
  layer: string | null;
  classes: string[];
  samplingRate: number | null;
  samples: number;
  rPeakAt: number | null;
  units: string;
  regions: (Regions & { ms: typeof REGIONS_MS }) | null;
  shap: (ShapOptions & { background: number }) | null;
  windows: WindowReport[];
  perClass: ClassReport[];
  /** Mean agreement of the compressed model's explanations with the float model's, over the windows. */
  agreement: Agreement | null;
}

/** Explanations of every window of `input` by one method (src/explain/*). */
export async function saliencies(numerics: Numerics, input: ExplainInput, settings: ExplainSettings, choose: ClassChoice): Promise<(WindowExplanation | ShapExplanation)[]> {
  const count = input.indices.length;
  if (settings.method === 'gradcam') return gradCam(numerics, camLayer(numerics.graph, settings.layer).value, input.windows, count, choose);
  if (settings.method === 'cam') return cam(numerics, input.windows, count, choose);
  const runner = new BatchRunner(numerics.device, settings.threads);
  try {
    const size = input.windows.length / count;
    const shape = numerics.graph.values.get(numerics.graph.inputs[0])!.shape;
    const layout = { size, leads: shape[1], length: timeLength(numerics.graph) };
    const out: ShapExplanation[] = [];
    for (let w = 0; w < count; w++) {
      out.push(await shapWindow((x, n) => runner.run(x, n), layout, input.windows.subarray(w * size, (w + 1) * size), w, input.background, choose, settings.shap));
    }
    return out;
  } finally {
    await runner.close();
  }
}

export async function explainModel(model: Numerics, compressed: Numerics | undefined, input: ExplainInput, settings: ExplainSettings, about: { model: string; plan?: string; planModel?: string; source: string }): Promise<ExplainReport> {
  if (settings.classIndex !== undefined && (settings.classIndex < 0 || settings.classIndex >= input.classes.length)) fail(`internal: class ${settings.classIndex}`);
  const length = timeLength(model.graph);
  const fixed = settings.classIndex;
  const float = await saliencies(model, input, settings, fixed === undefined ? predictedClass : () => fixed);
  // the compressed model explains the class the float model's explanation is about
  const other = compressed ? await saliencies(compressed, input, settings, (_scores, w) => float[w].explained) : undefined;
  const regions = input.samplingRate === undefined ? null : regionsOf(input.rPeakAt, input.samplingRate, length);
  const sharesOf = (s: ArrayLike<number>): Shares => (regions ? regionShares(s, regions) : null);
  const name = (c: number) => input.classes[c] ?? String(c);

  const windows: WindowReport[] = float.map((e, w) => {
    const report: WindowReport = {
      index: input.indices[w],
      label: input.labels ? name(input.labels[w]) : null,
      predicted: name(predictedClass(e.scores, w)),
      explained: name(e.explained),
      score: e.scores[e.explained],
      saliency: rounded(e.saliency),
      shares: sharesOf(e.saliency),
    };
    if ('baseline' in e) report.efficiency = { sum: e.segments.reduce((s, v) => s + v, 0), expected: e.scores[e.explained] - e.baseline };
    const c = other?.[w];
    if (c) report.compressed = { predicted: name(predictedClass(c.scores, w)), score: c.scores[c.explained], saliency: rounded(c.saliency), shares: sharesOf(c.saliency), agreement: agreement(e.saliency, c.saliency) };
    return report;
  });

  const leadLength = length;
  const windowSize = input.windows.length / input.indices.length;
  const perClass: ClassReport[] = input.classes.flatMap((className, c) => {
    const members = float.map((e, w) => (e.explained === c ? w : -1)).filter((w) => w >= 0);
    if (members.length === 0) return [];
    const trace = new Float64Array(leadLength);
    for (const w of members) for (let t = 0; t < leadLength; t++) trace[t] += input.windows[w * windowSize + t] / members.length;
    const report: ClassReport = {
      class: className,
      windows: members.length,
      saliency: rounded(meanScaled(members.map((w) => float[w].saliency))),
      trace: rounded(trace),
      shares: meanShares(members.map((w) => windows[w].shares)),
    };
    if (other) {
      report.compressed = {
        saliency: rounded(meanScaled(members.map((w) => other[w].saliency))),
        shares: meanShares(members.map((w) => windows[w].compressed!.shares)),
        agreement: meanAgreement(members.map((w) => windows[w].compressed!.agreement)),
      };
    }
    return [report];
  });

  return {
    schema: EXPLAIN_SCHEMA,
    model: about.model,
    plan: about.plan ?? null,
    planModel: about.planModel ?? null,
    source: about.source,
    method: settings.method,
    layer: settings.method === 'gradcam' ? camLayer(model.graph, settings.layer).value : settings.method === 'cam' ? lastGlobalPool(model.graph, 'average')!.inputs[0] : null,
    classes: input.classes,
    samplingRate: input.samplingRate ?? null,
    samples: length,
    rPeakAt: input.rPeakAt ?? null,
    units: input.units,
    regions: regions ? { ...regions, ms: REGIONS_MS } : null,
    shap: settings.method === 'shap' ? settings.shap : null,
    windows,
    perClass,
    agreement: other ? meanAgreement(windows.map((w) => w.compressed!.agreement)) : null,
  };
}

/** The mean of saliencies each scaled to a largest |value| of 1 (all-zero ones stay zero). */
function meanScaled(all: readonly ArrayLike<number>[]): Float64Array {
  const mean = new Float64Array(all[0].length);
  for (const s of all) {
    let largest = 0;
    for (let t = 0; t < s.length; t++) largest = Math.max(largest, Math.abs(s[t]));
    if (largest > 0) for (let t = 0; t < s.length; t++) mean[t] += s[t] / largest / all.length;
  }
  return mean;
}

function meanShares(all: readonly Shares[]): Shares {
  const known = all.filter((s): s is NonNullable<Shares> => s !== null);
  if (known.length === 0) return null;
  const mean = (r: Region) => known.reduce((sum, s) => sum + s[r], 0) / known.length;
  return { p: mean('p'), qrs: mean('qrs'), t: mean('t') };
}

/** Four significant digits: the JSON stays readable and small. */
function rounded(values: ArrayLike<number>): number[] {
  return Array.from(values, (v) => Number(v.toPrecision(4)));
}
