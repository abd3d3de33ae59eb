/**
 * `ecgc explain <model.onnx> (--data <dir> | --input <x.npy>) [--plan <plan.json>]
 * --method gradcam|shap|cam --out <dir> [--json]`: explanations of chosen windows
 * (src/explain), written as explain.json (schema ecgc.explain/1), explain.html and
 * saliency.svg (the per-class plots in one image).
 */
import { join } from 'node:path';
import { readDataset } from '../data/dataset.js';
import { modelData, modelWindows, requireModelClasses } from '../data/model-data.js';
import { fail } from '../errors.js';
import { type ExplainInput, type ExplainReport, METHODS, type Method, explainModel } from '../explain/explain.js';
import { type DeviceCam, deviceCam } from '../explain/device.js';
import { numericsOf } from '../explain/numerics.js';
import { scoresPerWindow } from '../explain/model.js';
import { type Graph, shapeText } from '../ir/graph.js';
import { loadModel } from '../model/load.js';
import { type Plan, readPlan } from '../plan/plan.js';
import { explainHtml, explainJson, pct, saliencyFigure } from '../report/explain.js';
import { checkOutputDirectory, readFileOrFail, writeDirectoryAtomic } from '../util/files.js';
import { readNpyFloat32 } from '../util/npy.js';
import { table } from './format.js';
import { parseThreads } from './options.js';

const EXPLAIN_FILES = ['explain.json', 'explain.html', 'saliency.svg'];
const explainOwns = (file: string) => EXPLAIN_FILES.includes(file);

export interface ExplainFlags {
  data?: string;
  input?: string;
  plan?: string;
  planModel?: string;
  method: string;
  class?: string;
  count: string;
  layer?: string;
  segments: string;
  permutations: string;
  background: string;
  seed: string;
  threads?: string;
  out: string;
  force?: boolean;
  json?: boolean;
}

function whole(flag: string, text: string, min = 1, max = Infinity): number {
  const n = Number(text);
  if (text.trim() === '' || !Number.isInteger(n) || n < min || n > max) fail(`${flag} must be a whole number from ${min}${max < Infinity ? ` to ${max}` : ''}; got '${text}'`);
  return n;
}

/** `count` indices spread evenly over `from` (all of them when fewer). */
function spread(from: readonly number[], count: number): number[] {
  if (from.length <= count) return [...from];
  return Array.from({ length: count }, (_, i) => from[Math.floor(((i + 0.5) * from.length) / count)]);
}

interface Source {
  windows: Float32Array;
  count: number;
  labels?: Int32Array;
  classes: string[];
  samplingRate?: number;
  rPeakAt?: number;
  units: string;
  description: string;
}

function readSource(model: string, graph: Graph, flags: ExplainFlags): Source {
  if ((flags.data === undefined) === (flags.input === undefined)) fail('give the windows to explain: --data <dir> (a dataset from ecgc data) or --input <x.npy>, one of them');
  const meta = modelData(graph, model);
  if (flags.data !== undefined) {
    const data = readDataset(flags.data);
    requireModelClasses(graph, model, flags.data, data.meta.classes, true);
    return {
      windows: modelWindows(graph, model, flags.data, data),
      count: data.shape[0],
      labels: data.y,
      classes: data.meta.classes,
      samplingRate: data.meta.samplingRate,
      rPeakAt: data.meta.window.rPeakAt,
      units: data.meta.preprocessing.normalize ? 'z-score' : data.meta.preprocessing.units,
      description: flags.data,
    };
  }
  const input = readNpyFloat32(flags.input!);
  if (graph.inputs.length > 1) fail(`${model} takes ${graph.inputs.length} inputs (${graph.inputs.join(', ')}); --input gives only the windows: use --data with a dataset that holds the others`);
  const sample = graph.values.get(graph.inputs[0])!.shape.slice(1);
  if (input.shape.length < 2 || input.shape.slice(1).join() !== sample.join()) fail(`${flags.input}: windows are ${shapeText(input.shape.slice(1))}, but ${model} takes ${shapeText(sample)} per sample`);
  const outputs = scoresPerWindow(graph);
  const classes = meta && meta.classes.length === outputs ? meta.classes : Array.from({ length: outputs }, (_, i) => String(i));
  return {
    windows: input.data,
    count: input.shape[0],
    classes,
    samplingRate: meta?.samplingRate,
    rPeakAt: meta?.window.rPeakAt,
    units: meta ? (meta.preprocessing.normalize ? 'z-score' : meta.preprocessing.units) : 'input units',
    description: flags.input!,
  };
}

export async function explainCommand(model: string, flags: ExplainFlags): Promise<void> {
  if (!(METHODS as readonly string[]).includes(flags.method)) fail(`--method must be one of ${METHODS.join(', ')}; got '${flags.method}'`);
  const method = flags.method as Method;
  const count = whole('--count', flags.count);
  const graph = loadModel(model);
  if (flags.planModel !== undefined && flags.plan === undefined) fail('--plan-model names the model a --plan compresses: give the plan too');
  // the plan may compress another model of the same inputs and outputs (a fine-tuned one)
  const planModel = flags.planModel ?? model;
  const planGraph = flags.planModel === undefined ? graph : loadModel(flags.planModel);
  if (planGraph !== graph) requireSameInterface(graph, model, planGraph, planModel);
  const plan = flags.plan === undefined ? undefined : readPlan(flags.plan, planGraph, readFileOrFail(planModel));
  const source = readSource(model, graph, flags);
  const classIndex = flags.class === undefined ? undefined : source.classes.indexOf(flags.class);
  if (classIndex === -1) fail(`--class: '${flags.class}' is not one of the model's classes (${source.classes.join(', ')})`);
  const length = graph.values.get(graph.inputs[0])!.shape.at(-1)!;
  const shap = { segments: whole('--segments', flags.segments, 1, length), permutations: whole('--permutations', flags.permutations), seed: whole('--seed', flags.seed, 0), background: whole('--background', flags.background) };
  checkOutputDirectory(flags.out, flags.force === true, explainOwns); // before the work, not after it

  // per class up to --count windows spread over the source (labels), else --count in all
  const all = Array.from({ length: source.count }, (_, i) => i);
  const chosen = source.labels
    ? source.classes.flatMap((_, c) => spread(all.filter((i) => source.labels![i] === c), count)).sort((a, b) => a - b)
    : spread(all, count);
  const size = source.windows.length / source.count;
  const pick = (indices: number[]) => {
    const out = new Float32Array(indices.length * size);
    indices.forEach((i, k) => out.set(source.windows.subarray(i * size, (i + 1) * size), k * size));
    return out;
  };
  const input: ExplainInput = {
    windows: pick(chosen),
    indices: chosen,
    labels: source.labels && Int32Array.from(chosen, (i) => source.labels![i]),
    background: pick(spread(all, shap.background)),
    classes: source.classes,
    samplingRate: source.samplingRate,
    rPeakAt: source.rPeakAt,
    units: source.units,
  };
  const settings = { method, layer: flags.layer, classIndex, shap, threads: parseThreads(flags.threads) };
  const report = await explainModel(numericsOf(graph), plan && numericsOf(planGraph, plan), input, settings, { model, plan: flags.plan, planModel: flags.plan ? planModel : undefined, source: source.description });
  const files = new Map([
    ['explain.json', explainJson(report)],
    ['explain.html', explainHtml(report, input.windows)],
    ['saliency.svg', saliencyFigure(report)],
  ]);
  writeDirectoryAtomic(flags.out, files, flags.force === true, explainOwns);
  if (flags.json) {
    process.stdout.write(JSON.stringify(report, null, 2) + '\n');
    return;
  }
  process.stdout.write(summary(report) + `\nwrote ${EXPLAIN_FILES.map((f) => join(flags.out, f)).join(', ')}\n`);
}

function requireSameInterface(graph: Graph, model: string, other: Graph, otherFile: string): void {
  const shapes = (g: Graph, names: string[]) => names.map((n) => shapeText(g.values.get(n)!.shape)).join(', ');
  for (const [what, a, b] of [['inputs', graph.inputs, other.inputs], ['outputs', graph.outputs, other.outputs]] as const) {
    if (shapes(graph, a) !== shapes(other, b)) fail(`--plan-model: ${otherFile}'s ${what} (${shapes(other, b)}) are not ${model}'s (${shapes(graph, a)})`);
  }
}

/** --explain of compile, verify and bench: where the device's class activation map comes from, for the model as `plan` compresses it. */
export function deviceExplain(enabled: boolean | undefined, model: Graph, plan: Plan | undefined): DeviceCam | undefined {
  return enabled ? deviceCam(numericsOf(model, plan)) : undefined;
}

function summary(report: ExplainReport): string {
  const pctOr = (v: number | undefined) => (v === undefined ? '-' : pct(v));
  const compressed = report.plan !== null;
  const rows = report.perClass.map((c) => [
    c.class,
    String(c.windows),
    pctOr(c.shares?.qrs),
    pctOr(c.shares?.p),
    pctOr(c.shares?.t),
    ...(compressed ? [pctOr(c.compressed?.shares?.qrs), c.compressed?.agreement ? c.compressed.agreement.rank.toFixed(3) : '-', pctOr(c.compressed?.agreement?.top20)] : []),
  ]);
  const lines = [
    `${report.method} of ${report.model}${report.plan ? ` and, compressed, ${report.planModel !== report.model ? `${report.planModel} with ` : 'with '}plan ${report.plan}` : ''} on ${report.windows.length} windows of ${report.source}${report.layer ? ` (map ${report.layer})` : ''}`,
    table(['class', 'windows', 'QRS %', 'P %', 'T %', ...(compressed ? ['compressed QRS %', 'rank corr.', 'top-20% %'] : [])], rows),
  ];
  if (report.agreement) lines.push(`agreement with the float model: rank correlation ${report.agreement.rank.toFixed(3)}, top-20% overlap ${pctOr(report.agreement.top20)}%`);
  if (report.shap) {
    const worst = Math.max(...report.windows.map((w) => Math.abs(w.efficiency!.sum - w.efficiency!.expected)));
    lines.push(`SHAP efficiency: the values sum to f(x) - E[f] within ${worst.toExponential(1)} on every window`);
  }
  return lines.join('\n');
}

