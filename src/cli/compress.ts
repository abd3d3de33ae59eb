/**
 * `ecgc compress <model.onnx> [--data <dir>] --method <...> --out <plan.json>`: chooses each
 * layer's bits and pruning, prints the per-layer table and totals, writes plan.json
 * atomically with a Markdown report (plan.md) and an HTML page (plan.html) beside it. A plan
 * that misses its constraints or budget (exit 3) is written as <name>.rejected.json only.
 */
import { readFileSync } from 'node:fs';
import { EcgcError, fail } from '../errors.js';
import { type Calibration, readCalibration } from '../compress/calibration.js';
import { QUANTIZER_FAMILIES, type QuantizerFamily } from '../plan/quantize.js';
import { compressModel } from '../compress/compress.js';
import { type Figures, type Plan, writePlan } from '../plan/plan.js';
import { ROUNDINGS, type Rounding, SCALE_FORMATS, type ScaleFormat } from '../plan/quantize.js';
import { BudgetError, type LaqRule, type PlanSketch, type SearchSettings, methodName, parseMethod } from '../compress/search.js';
import type { Sensitivity } from '../compress/sensitivity.js';
import type { Graph } from '../ir/graph.js';
import { loadModel } from '../model/load.js';
import { planHtml } from '../report/html.js';
import { classRecallTable, omittedClasses } from '../report/classes.js';
import { constraintsLine, planMarkdown } from '../report/markdown.js';
import { checkOutputFile, readFileOrFail, writeFileAtomic } from '../util/files.js';
import { formatBytes, table } from './format.js';
import { parseBatch, parseThreads } from './options.js';
import { progressReporter } from './progress.js';
import { parseNumber, parseSize, parseWholeNumber } from './size.js';

export interface SearchFlags {
  batch?: string;
  data?: string;
  test?: string;
  metric?: string;
  maxDrop?: string;
  maxClassDrop?: string;
  maxExplanationDrift?: string;
  alpha?: string;
  beta?: string;
  gamma?: string;
  laqRule?: string;
  quantizer?: string;
  scales?: string;
  rounding?: string;
  labelFree?: boolean;
  minSnr?: string;
  calibration?: string;
  threads?: string;
}

interface CompressFlags extends SearchFlags {
  method: string;
  activations?: string;
  flash?: string;
  ram?: string;
  sensitivity?: boolean;
  out: string;
  force?: boolean;
}

/** Label-free mode's default SNR floor (dB): below it outputs drift even when the top-1 class holds. */
export const DEFAULT_MIN_SNR_DB = 20;
export const DEFAULT_MAX_DROP = 0.5;

export function version(): string {
  return (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;
}

/** The model, its bytes and the windows: what compress and sweep both start from. */
export function loadInputs(model: string, flags: SearchFlags): { graph: Graph; bytes: Uint8Array; data: Calibration; test?: Calibration } {
  const bytes = readFileOrFail(model);
  const graph = loadModel(model, parseBatch(flags.batch));
  const synthetic = flags.calibration === undefined ? undefined : parseWholeNumber(flags.calibration, '--calibration', 0, 1, 1e7);
  const data = readCalibration(flags.data, graph, model, { labelFree: flags.labelFree, synthetic });
  // Held-out labels are only reported, never searched on: a label-free search keeps them too.
  const test = flags.test === undefined ? undefined : readCalibration(flags.test, graph, model);
  if (test && test.labels === undefined && data.labels !== undefined) fail(`${flags.test}: is unlabelled but --data is labelled; give labelled test data or use --label-free`);
  return { graph, bytes, data, test };
}

export function searchSettings(flags: SearchFlags & { method?: string; flash?: string }, data: Calibration): SearchSettings {
  const metric = flags.metric ?? 'accuracy';
  if (metric !== 'accuracy' && metric !== 'f1') fail(`--metric must be accuracy or f1, got '${metric}'`);
  const laqRule = (flags.laqRule ?? 'intended') as LaqRule;
  if (laqRule !== 'printed' && laqRule !== 'intended') fail(`--laq-rule must be printed or intended, got '${flags.laqRule}'`);
  const quantizer = (flags.quantizer ?? 'uniform') as QuantizerFamily;
  if (!QUANTIZER_FAMILIES.includes(quantizer)) fail(`--quantizer must be one of ${QUANTIZER_FAMILIES.join(', ')}, got '${flags.quantizer}'`);
  const scaleFormat = (flags.scales ?? 'float32') as ScaleFormat;
  if (!SCALE_FORMATS.includes(scaleFormat)) fail(`--scales must be one of ${SCALE_FORMATS.join(', ')}, got '${flags.scales}'`);
  const rounding = (flags.rounding ?? 'nearest') as Rounding;
  if (!ROUNDINGS.includes(rounding)) fail(`--rounding must be one of ${ROUNDINGS.join(', ')}, got '${flags.rounding}'`);
  const labelFree = data.labels === undefined;
  if (flags.minSnr !== undefined && !labelFree) fail('--min-snr applies in label-free mode only (no labels, or --label-free)');
  const method = parseMethod(flags.method ?? 'laq');
  // A fixed method makes one plan: without a budget, only the constraints given explicitly are checked.
  const defaults = (method.kind !== 'fixed-q' && method.kind !== 'fixed-p') || flags.flash !== undefined;
  const maxDrop = flags.maxDrop === 'none' ? Infinity : parseNumber(flags.maxDrop, '--max-drop', defaults ? DEFAULT_MAX_DROP : Infinity, 0, 100);
  if (maxDrop === Infinity && defaults && flags.flash === undefined) fail(`--max-drop none: ${methodName(method)} shares --max-drop out between layers; give it a number of points, or a --flash budget to fit`);
  return {
    method,
    metric,
    maxDrop,
    maxClassDrop: flags.maxClassDrop === undefined ? undefined : parseNumber(flags.maxClassDrop, '--max-class-drop', 0, 0, 100),
    maxExplanationDrift: flags.maxExplanationDrift === undefined ? undefined : parseNumber(flags.maxExplanationDrift, '--max-explanation-drift', 0, 0, 2),
    flash: flags.flash === undefined ? undefined : parseSize(flags.flash, '--flash'),
    alpha: parseNumber(flags.alpha, '--alpha', 0.5, 0, 1e6),
    beta: parseNumber(flags.beta, '--beta', 0.5, 0, 1e6),
    gamma: flags.gamma === undefined ? undefined : parseNumber(flags.gamma, '--gamma', 0, 0, 1e6),
    laqRule,
    quantizer,
    scaleFormat,
    rounding,
    minSnrDb: labelFree && (defaults || flags.minSnr !== undefined) ? parseNumber(flags.minSnr, '--min-snr', DEFAULT_MIN_SNR_DB, -1000, 1000) : undefined,
  };
}

export async function compressCommand(model: string, flags: CompressFlags): Promise<void> {
  parseMethod(flags.method); // a mistyped method fails before the model and data are read
  const activations = flags.activations ?? 'float32';
  if (activations !== 'float32' && activations !== 'int8') fail(`--activations must be float32 or int8, got '${flags.activations}'`);
  // and a plan that could not be written fails before the search, not after it
  const base = flags.out.replace(/\.json$/i, '');
  for (const file of [flags.out, `${base}.md`, `${base}.html`, `${base}.rejected.json`]) checkOutputFile(file, flags.force === true);
  const { graph, bytes, data, test } = loadInputs(model, flags);
  const settings = searchSettings(flags, data);
  const ram = flags.ram === undefined ? undefined : parseSize(flags.ram, '--ram');
  const progress = progressReporter('compress');
  settings.progress = progress.update;
  process.stderr.write(`calibration: ${data.count} windows from ${data.description}\n`);
  let result;
  try {
    result = await compressModel({
      graph,
      modelFile: model,
      modelBytes: bytes,
      data,
      test,
      settings,
      ram,
      threads: parseThreads(flags.threads),
      sensitivityBits: flags.sensitivity ? [1, 2, 3, 4, 5, 6, 7, 8] : undefined,
      activations,
      version: version(),
    });
  } catch (e) {
    progress.end();
    if (e instanceof BudgetError) throw refusal(e, base);
    throw e;
  }
  const { plan, search, sensitivity } = result;
  // The result first: nothing in reporting can lose it.
  writePlan(flags.out, plan);
  writeFileAtomic(`${base}.md`, planMarkdown(plan, sensitivity));
  writeFileAtomic(`${base}.html`, planHtml(plan, search.trace, sensitivity));
  progress.end();
  process.stdout.write(planSummary(plan, sensitivity) + `\nwrote ${flags.out}, ${base}.md, ${base}.html\n`);
}

/**
 * Prints what a refused budget or constraint leaves to go on (each plan's bytes and per-layer
 * choices; the rejected plan's per-class recall), writes the rejected plan as
 * <base>.rejected.json, and returns the error to exit with, its message saying so.
 */
function refusal(e: BudgetError, base: string): EcgcError {
  for (const p of e.plans) process.stderr.write(`${p.label}: ${p.bytes} bytes (${formatBytes(p.bytes)})\n`);
  if (e.plans.length > 0) process.stderr.write(breakdownTable(e.plans) + '\n');
  if (!e.plan) return e;
  const file = `${base}.rejected.json`;
  writePlan(file, e.plan);
  const recall = classRecallTable(e.plan.figures);
  if (recall) process.stderr.write(`per-class recall of the rejected plan:\n${table(recall.header, recall.rows)}\n${recall.omitted ? `${omittedClasses(recall.omitted)}\n` : ''}`);
  return new EcgcError(`${e.message}; that plan is written to ${file} (marked rejected: not a passing plan)`, e.exitCode);
}

function breakdownTable(plans: PlanSketch[]): string {
  const header = plans.length === 1 ? ['layer', 'choice', 'bytes'] : ['layer', ...plans.flatMap((p) => [`choice (${p.label})`, 'bytes'])];
  return table(header, plans[0].layers.map((l, i) => [l.node, ...plans.flatMap((p) => [p.layers[i].choice, String(p.layers[i].bytes)])]));
}

export function percent(value: number | null): string {
  return value === null ? '-' : (100 * value).toFixed(2);
}

function figuresLine(name: string, f: Figures, labelFree: boolean): string {
  const snr = f.snrDb === null ? 'exact' : `${f.snrDb.toFixed(1)} dB`;
  const labelled = f.accuracy === null ? '' : `; labels (not searched on): accuracy ${percent(f.accuracy)}%, F1 ${percent(f.macroF1)}%`;
  if (labelFree) return `${name}: top-1 agreement ${percent(f.agreement)}%, output SNR ${snr}${labelled}`;
  return `${name}: accuracy ${percent(f.accuracy)}%, macro precision ${percent(f.macroPrecision)}%, recall ${percent(f.macroRecall)}%, F1 ${percent(f.macroF1)}% (agreement ${percent(f.agreement)}%, SNR ${snr})`;
}

export function planSummary(plan: Plan, sensitivity?: Sensitivity): string {
  const rows = plan.layers.map((l) => [
    l.node,
    l.op,
    String(l.rows * l.rowLength),
    l.bits === 32 ? 'f32' : String(l.bits),
    l.quantizer,
    (100 * l.sparsity).toFixed(1),
    l.encoding,
    String(l.bytes.total),
    String(l.float32Bytes),
    l.importance.importance.toFixed(3),
  ]);
  const t = plan.totals;
  const lines = [
    `${plan.model.file}: ${plan.method.name}${plan.method.laqRule ? ` (rule ${plan.method.laqRule}, gamma ${plan.method.gamma?.toPrecision(4)})` : ''}, ${plan.method.metric}; ${constraintsLine(plan.method)}`,
    '',
    table(['layer', 'op', 'weights', 'bits', 'quantizer', 'sparsity %', 'encoding', 'bytes', 'f32 bytes', 'importance'], rows),
    '',
    `layers: ${t.layers.bytes} bytes (${formatBytes(t.layers.bytes)}) vs ${t.layers.float32Bytes} as float32: compression ${t.layers.compressionRatio.toFixed(2)}x`,
    `model:  ${t.model.bytes} bytes (${formatBytes(t.model.bytes)}) vs ${t.model.float32Bytes} as float32: compression ${t.model.compressionRatio.toFixed(2)}x`,
    figuresLine(`full model on ${plan.figures.data.dir ?? 'synthetic windows'}`, plan.figures.data.baseline, plan.figures.labelFree),
    figuresLine(`plan on ${plan.figures.data.dir ?? 'synthetic windows'}`, plan.figures.data.final, plan.figures.labelFree),
  ];
  if (plan.figures.test) {
    lines.push(figuresLine(`full model on ${plan.figures.test.dir} (test)`, plan.figures.test.baseline, plan.figures.labelFree));
    lines.push(figuresLine(`plan on ${plan.figures.test.dir} (test)`, plan.figures.test.final, plan.figures.labelFree));
  }
  const recall = classRecallTable(plan.figures);
  if (recall) lines.push('', table(recall.header, recall.rows), ...(recall.omitted ? [omittedClasses(recall.omitted)] : []), '');
  lines.push(`search: ${plan.search.candidates} candidates, ${plan.search.evaluations} full-model-equivalent evaluations, ${plan.search.seconds} s`);
  if (sensitivity) lines.push(`importance vs measured sensitivity: Spearman ${sensitivity.spearman === null ? 'undefined' : sensitivity.spearman.toFixed(3)}`);
  return lines.join('\n');
}
