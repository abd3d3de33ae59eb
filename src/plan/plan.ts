/**
 * plan.json: what `ecgc compress` decided for each weight-bearing layer, and what `ecgc run`,
 * `ecgc eval` and `ecgc compile` apply with --plan. Schema 'ecgc.plan/1':
 *
 *   schema    'ecgc.plan/1'
 *   tool      { name: 'ecgc', version }
 *   model     { file (base name), sha256 (of the ONNX bytes), layers: [{ node, weight, shape }] }
 *             A plan is refused for a model whose bytes or layers differ.
 *   method    the policy and every setting that produced the plan (PlanMethod below); the
 *             constraints are those applied: maxDrop null = no score constraint (--max-drop
 *             none, or a fixed method without --flash or --max-drop), maxClassDrop null or
 *             absent = none, maxExplanationDrift null or absent = none.
 *   layers    one entry per weight-bearing layer (src/plan/layers.ts), in graph order:
 *     node, op, weight, shape, rows, rowLength, transposed, bias (name or null), biasCount
 *     importance   { rho, delta, importance } (src/compress/importance.ts)
 *     bits         1..8, or 32 (left float32)
 *     quantizer    'uniform' | 'uniform-layer' | 'sign' (1 bit) | 'codebook' | 'float32'
 *     prune        the pruning fraction asked for, in [0, 1)
 *     threshold    weights with |w| <= threshold are zero (-1: none pruned); a float32 value
 *     sparsity     fraction of the layer's weights that are exactly zero, in [0, 1)
 *     scales       the quantizer's scales (per row; one for uniform-layer; none for
 *                  codebook and float32), float32 values
 *     scaleFormat  how the C stores them: 'float32', or 'bfloat16' (then every scale is a
 *                  bfloat16 value); absent in older plans: float32
 *     levels       codebook only: 2^bits float32 levels, levels[0] = 0
 *     codes        present when error-compensating rounding (method.rounding 'gptq') chose
 *                  the codes: base64 of the row-major codes as max(bits, 2)-bit two's
 *                  complement fields (src/pack/bits.ts); absent: codes are w / scale rounded
 *     encoding     'dense' | 'bitmap' | 'delta' (src/pack/encode.ts); float32 layers: 'float32' (dense) or 'bitmap' | 'delta' (indices + nonzero float32 weights)
 *     bytes        { index, codes, scales, levels, bias, total }: flash bytes by section,
 *                  from src/pack/size.ts (what the C backend emits)
 *     float32Bytes 4 * (weights + biases)
 *   totals    layers: { params, float32Bytes, bytes, compressionRatio } over the weight-bearing
 *             layers (weights + biases); model: the same over every float32 constant (those
 *             outside the layers stay float32).
 *   figures   metric ('accuracy' | 'f1'), labelFree, and for data (the split searched on)
 *             and test (held out, when given): { dir, dataset ({ task, split } of an `ecgc data`
 *             directory), windows, baseline, final }, each of
 *             baseline / final a Figures record (fractions in [0, 1]; accuracy, macro
 *             precision / recall / F1 null on unlabeled data; agreement = top-1 agreement
 *             with the full model; snrDb = output SNR against the full model, null if exact;
 *             perClass = [{ name, support, recall }] in output order: recall against the
 *             labels, or unlabelled against the full model's classes (per-class top-1
 *             agreement); absent in older plans); explanationAgreement = with
 *             --max-explanation-drift, the mean rank correlation of the explanations with the
 *             full model's (src/compress/explanation-drift.ts; 1 for the full model).
 *   search    { candidates, evaluations (full-model equivalents), seconds, tolerance (the cap
 *             on each layer's drop, points: maxDrop; null under a flash budget without
 *             --max-drop) }
 *   rejected  present only in <name>.rejected.json, a plan that did not meet its constraints
 *             or budget (`ecgc compress` exit 3): why, in one line. Never a passing plan.
 *   finetune  present when `ecgc finetune` made the plan (src/compress/finetune.ts): { from
 *             ({ file, sha256 } of the model the plan was searched on: the figures' baseline),
 *             train ({ dir, dataset, windows, labelled }), epochs, epochKept, lr, batch, seed,
 *             seconds }. `model` is then the fine-tuned model, whose layer weights are already
 *             the quantized values; `search` is the original search's.
 *   activations  present in a plan for the integer mode (`ecgc compress --activations int8`,
 *             src/quant): { type: 'int8', calibration: { rule ('minmax' | 'percentile': the one
 *             kept), windows, metric, scores (each rule's score on the calibration windows) },
 *             tensors: [{ value, scale (float32 > 0), zeroPoint (-128..127) }] }, one per
 *             float32 value of the graph. Its layers are then all 1..8 bits (uniform,
 *             uniform-layer or sign), their bytes counting a Q31 multiplier, an int8 shift and an
 *             int32 bias per row, and applyPlan runs the integer graph: the figures are the
 *             integer reference's, which the C computes bit for bit.
 *
 * Float32 values (scales, levels, thresholds) are written as JSON numbers: JavaScript prints
 * the shortest decimal that reads back as the same double, and a float32 is a double, so
 * they round-trip bit for bit.
 *
 * The quantizer's scales are a function of the weights: applyPlan recomputes them with
 * quantizeLayer and refuses a plan whose scales differ (edited, or for other weights). The
 * codebook levels and error-compensated codes are data: applyPlan uses the plan's (and
 * refuses codes out of range or nonzero where a weight is pruned).
 */
import { createHash } from 'node:crypto';
import { basename } from 'node:path';
import { EcgcError, fail } from '../errors.js';
import { type Graph, type Tensor, shapeText } from '../ir/graph.js';
import type { LayerSize } from '../pack/size.js';
import { readFileOrFail, writeFileAtomic } from '../util/files.js';
import { packBits, packedBytes, unpackBits } from '../pack/bits.js';
import { type WeightLayer, findWeightLayers, layerWeightNames, readRows, writeRows } from './layers.js';
import { type ActivationQuant, INT8_MAX, INT8_MIN } from '../quant/activations.js';
import type { CalibrationRule } from '../quant/calibrate.js';
import { int8Values, integerGraph, integerGraphWithTwins } from '../quant/integer-graph.js';
import type { IntegerLayer } from '../ops/integer.js';
import { FLOAT_BITS, QUANTIZERS, type QuantizedLayer, type Quantizer, type QuantizerFamily, type QuantizerSpec, type Rounding, SCALE_FORMATS, type ScaleFormat, quantizeLayer, validateSpec } from './quantize.js';

export const PLAN_SCHEMA = 'ecgc.plan/1';
const PLAN_VERSION = 1;

export interface PlanMethod {
  /** 'fixed-q:B', 'fixed-p:P', 'laq', 'lap' or 'laq+lap'. */
  name: string;
  metric: 'accuracy' | 'f1';
  labelFree: boolean;
  /** Points (percent) the metric may lose against the full model; null: no such constraint. */
  maxDrop: number | null;
  /** Points of recall any one class may lose against the full model; null or absent: none. */
  maxClassDrop?: number | null;
  /** Label-free: the minimum output SNR against the full model, dB. */
  minSnrDb: number | null;
  /** --max-explanation-drift (absent in older plans). */
  maxExplanationDrift?: number | null;
  flash: number | null;
  /** Recorded for the C backend, which checks it against its memory plan. */
  ram: number | null;
  alpha: number;
  beta: number;
  /** LAQ's gamma as used (given, or derived from maxDrop); null for other methods. */
  gamma: number | null;
  laqRule: 'printed' | 'intended' | null;
  quantizer: QuantizerFamily;
  /** Absent in plans from before bfloat16 scales: float32. */
  scaleFormat?: ScaleFormat;
  /** Absent in plans from before error-compensating rounding: nearest. */
  rounding?: Rounding;
  data: string | null;
  test: string | null;
}

export interface Figures {
  windows: number;
  accuracy: number | null;
  macroPrecision: number | null;
  macroRecall: number | null;
  macroF1: number | null;
  agreement: number;
  snrDb: number | null;
  /** Per class, in output order (absent in older plans); see the schema above. */
  perClass?: ClassRecall[];
  /** With --max-explanation-drift: the mean rank correlation of the explanations with the full model's (1 for the full model). */
  explanationAgreement?: number;
}

export interface ClassRecall {
  name: string;
  support: number;
  recall: number;
}

export interface FigurePair {
  dir: string | null;
  /** The dataset (`ecgc data`'s task and split), when the windows came from one. */
  dataset?: { task: string; split: string };
  windows: number;
  baseline: Figures;
  final: Figures;
}

export interface PlanLayer {
  node: string;
  op: WeightLayer['op'];
  weight: string;
  shape: number[];
  rows: number;
  rowLength: number;
  transposed: boolean;
  bias: string | null;
  biasCount: number;
  importance: { rho: number; delta: number; importance: number };
  bits: number;
  quantizer: Quantizer | 'float32';
  prune: number;
  threshold: number;
  sparsity: number;
  scales: number[];
  /** How the C stores the scales (absent in older plans: float32). */
  scaleFormat?: ScaleFormat;
  levels: number[];
  /** Error-compensated codes (see the schema above); absent: rounded to nearest. */
  codes?: string;
  encoding: LayerSize['encoding'];
  bytes: { index: number; codes: number; scales: number; levels: number; bias: number; total: number };
  float32Bytes: number;
}

export interface SizeTotals {
  params: number;
  float32Bytes: number;
  bytes: number;
  compressionRatio: number;
}

export interface Plan {
  schema: typeof PLAN_SCHEMA;
  tool: { name: 'ecgc'; version: string };
  model: { file: string; sha256: string; layers: { node: string; weight: string; shape: number[] }[] };
  method: PlanMethod;
  layers: PlanLayer[];
  totals: { layers: SizeTotals; model: SizeTotals };
  figures: { metric: PlanMethod['metric']; labelFree: boolean; data: FigurePair; test: FigurePair | null };
  search: { candidates: number; evaluations: number; seconds: number; tolerance: number | null };
  /** Present only in a plan that failed its constraints (see the schema above). */
  rejected?: string;
  /** Present when `ecgc finetune` made the plan (see the schema above). */
  finetune?: FinetuneRecord;
  /** Present in a plan for the integer mode (see the schema above). */
  activations?: ActivationsRecord;
}

export interface ActivationsRecord {
  type: 'int8';
  /** How the quantizations were chosen: the rule kept, and each rule's score on the calibration windows. */
  calibration: { rule: CalibrationRule; windows: number; metric: string; scores: Record<CalibrationRule, number> };
  /** Every float32 value's int8 quantization, in graph order. */
  tensors: { value: string; scale: number; zeroPoint: number }[];
}

export interface FinetuneRecord {
  /** The model the plan was first made for: the teacher, and the baseline of the figures. */
  from: { file: string; sha256: string };
  train: { dir: string | null; dataset?: { task: string; split: string }; windows: number; labelled: boolean };
  epochs: number;
  /** The epoch with the best validation score (0: none beat the start). */
  epochKept: number;
  lr: number;
  batch: number;
  seed: number;
  seconds: number;
}

export function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

export function modelIdentity(graph: Graph, modelFile: string, modelBytes: Uint8Array): Plan['model'] {
  return {
    file: basename(modelFile),
    sha256: sha256(modelBytes),
    layers: findWeightLayers(graph).map((l) => ({ node: l.node, weight: l.weight, shape: l.shape })),
  };
}

/** Size totals of the layers and of the whole model (constants outside the layers stay float32). */
export function sizeTotals(graph: Graph, layers: Pick<PlanLayer, 'shape' | 'biasCount' | 'bytes' | 'float32Bytes'>[]): Plan['totals'] {
  const layerParams = layers.reduce((sum, l) => sum + l.float32Bytes / 4, 0);
  const layerFloat = layers.reduce((sum, l) => sum + l.float32Bytes, 0);
  const layerBytes = layers.reduce((sum, l) => sum + l.bytes.total, 0);
  const constants = new Set(graph.nodes.flatMap((n) => n.inputs).filter((name) => graph.constants.get(name)?.dtype === 'float32'));
  const modelParams = [...constants].reduce((sum, name) => sum + graph.constants.get(name)!.data.length, 0);
  const modelBytes = 4 * (modelParams - layerParams) + layerBytes;
  return {
    layers: { params: layerParams, float32Bytes: layerFloat, bytes: layerBytes, compressionRatio: layerFloat / layerBytes },
    model: { params: modelParams, float32Bytes: 4 * modelParams, bytes: modelBytes, compressionRatio: (4 * modelParams) / modelBytes },
  };
}

export function writePlan(file: string, plan: Plan): void {
  writeFileAtomic(file, JSON.stringify(plan, null, 2) + '\n');
}

/**
 * Reads and validates a plan for `graph` (and, given the model's bytes, checks they are the
 * bytes the plan was made from). Every problem is one line naming the plan file.
 */
export function readPlan(file: string, graph: Graph, modelBytes?: Uint8Array): Plan {
  let plan: Plan;
  try {
    plan = JSON.parse(Buffer.from(readFileOrFail(file)).toString('utf8'));
  } catch (e) {
    if (e instanceof EcgcError) throw e;
    fail(`${file}: not valid JSON (${(e as Error).message})`);
  }
  const bad = (what: string): never => fail(`${file}: ${what}`);
  if (typeof plan !== 'object' || plan === null) bad('not an ecgc plan (expected a JSON object)');
  const version = /^ecgc\.plan\/(\d+)$/.exec(String(plan.schema));
  if (!version) fail(`${file}: not an ecgc plan (schema '${String(plan.schema)}', expected '${PLAN_SCHEMA}')`);
  if (Number(version[1]) !== PLAN_VERSION) bad(`schema '${plan.schema}' is not ${PLAN_SCHEMA}, the version this ecgc reads${Number(version[1]) > PLAN_VERSION ? ' (written by a newer ecgc: upgrade ecgc)' : ''}`);
  if (!plan.model || !Array.isArray(plan.model.layers) || !Array.isArray(plan.layers)) bad('missing model or layers');

  const layers = findWeightLayers(graph);
  const expected = layers.map((l) => `${l.node} ${shapeText(l.shape)}`);
  const actual = plan.model.layers.map((l) => `${l.node} ${shapeText(l.shape ?? [])}`);
  if (expected.join('\n') !== actual.join('\n')) {
    const i = expected.findIndex((e, k) => e !== actual[k]);
    const differs = i >= 0 ? `layer ${i}: the model has ${expected[i]}, the plan ${actual[i] ?? 'nothing'}` : `the plan has ${actual.length} layers, the model ${expected.length}`;
    bad(`is a plan for another model (${plan.model.file}): its layers do not match this model's (${differs})`);
  }
  if (modelBytes && plan.model.sha256 !== sha256(modelBytes)) {
    bad(`is a plan for another model: it was made for ${plan.model.file} with sha256 ${String(plan.model.sha256).slice(0, 12)}..., this model's bytes hash to ${sha256(modelBytes).slice(0, 12)}...; run 'ecgc compress' on this model`);
  }
  if (plan.layers.length !== layers.length) bad(`has ${plan.layers.length} layer entries, the model ${layers.length} weight-bearing layers`);
  plan.layers.forEach((entry, i) => validateLayer(entry, layers[i], `${file}: layer '${layers[i].node}'`));
  // Usable (to inspect it, or to fine-tune it back within its constraints), but never silently.
  if (plan.activations !== undefined) validateActivations(plan.activations, graph, `${file}: activations`);
  if (plan.rejected) process.stderr.write(`ecgc: warning: ${file} is a plan 'ecgc compress' rejected: ${plan.rejected}\n`);
  return plan;
}

function validateActivations(record: ActivationsRecord, graph: Graph, where: string): void {
  const bad = (what: string): never => fail(`${where}: ${what}`);
  if (record.type !== 'int8') bad(`type '${String(record.type)}' is not 'int8'`);
  if (!Array.isArray(record.tensors)) bad('tensors must be a list');
  for (const t of record.tensors) {
    if (!graph.values.has(t?.value)) bad(`'${String(t?.value)}' is no value of this model`);
    if (!(typeof t.scale === 'number' && t.scale > 0 && Number.isFinite(t.scale) && Math.fround(t.scale) === t.scale)) bad(`'${t.value}': scale ${JSON.stringify(t.scale)} must be a float32 > 0`);
    if (!(Number.isInteger(t.zeroPoint) && t.zeroPoint >= INT8_MIN && t.zeroPoint <= INT8_MAX)) bad(`'${t.value}': zero point ${JSON.stringify(t.zeroPoint)} must be an integer in [-128, 127]`);
  }
}

function validateLayer(entry: PlanLayer, layer: WeightLayer, where: string): void {
  const bad = (what: string): never => fail(`${where}: ${what}`);
  if (entry.node !== layer.node || entry.weight !== layer.weight) bad(`entry names node '${entry.node}' weight '${entry.weight}', expected weight '${layer.weight}'`);
  if (entry.rows !== layer.rows || entry.rowLength !== layer.rowLength) bad(`entry has ${entry.rows} rows of ${entry.rowLength}, the layer ${layer.rows} of ${layer.rowLength}`);
  const { bits, quantizer } = entry;
  if (!(Number.isInteger(bits) && ((bits >= 1 && bits <= 8) || bits === FLOAT_BITS))) bad(`bits ${JSON.stringify(bits)} is outside 1..8 (or 32 for float32)`);
  if (!(quantizer === 'float32' || (QUANTIZERS as readonly string[]).includes(quantizer))) bad(`unknown quantizer '${String(quantizer)}' (${[...QUANTIZERS, 'float32'].join(', ')})`);
  if ((bits === FLOAT_BITS) !== (quantizer === 'float32')) bad(`bits ${bits} and quantizer '${quantizer}' do not go together (float32 is bits 32)`);
  if (!(typeof entry.prune === 'number' && entry.prune >= 0 && entry.prune < 1)) bad(`prune ${JSON.stringify(entry.prune)} is outside [0, 1)`);
  if (!(typeof entry.sparsity === 'number' && entry.sparsity >= 0 && entry.sparsity < 1)) bad(`sparsity ${JSON.stringify(entry.sparsity)} is outside [0, 1)`);
  if (!(typeof entry.threshold === 'number' && Number.isFinite(entry.threshold) && (entry.threshold === -1 || entry.threshold >= 0))) bad(`threshold ${JSON.stringify(entry.threshold)} must be -1 or a magnitude >= 0`);
  const float32Values = (name: string, values: unknown) => {
    if (!Array.isArray(values) || values.some((v) => typeof v !== 'number' || !Number.isFinite(v) || Math.fround(v) !== v)) bad(`${name} must be a list of finite float32 values`);
  };
  float32Values('scales', entry.scales);
  float32Values('levels', entry.levels);
  if (entry.scaleFormat !== undefined && !(SCALE_FORMATS as readonly string[]).includes(entry.scaleFormat)) bad(`unknown scale format '${String(entry.scaleFormat)}' (${SCALE_FORMATS.join(', ')})`);
  // (a codebook layer with codes is refused by validateSpec, as quantizeLayer's callers are)
  if (entry.codes !== undefined && quantizer === 'float32') bad('a float32 layer has no codes of its own');
  if (quantizer !== 'float32') validateSpec(quantizerSpec(entry, quantizer, where), where);
}

/** The quantizer a plan layer describes (`quantizer`: its quantizer, known not to be float32); `where` names it in errors. */
export function quantizerSpec(entry: PlanLayer, quantizer: Quantizer, where = `plan layer '${entry.node}'`): QuantizerSpec {
  return {
    bits: entry.bits,
    quantizer,
    threshold: entry.threshold,
    levels: quantizer === 'codebook' ? entry.levels : undefined,
    scaleFormat: entry.scaleFormat ?? 'float32',
    codes: entry.codes === undefined ? undefined : decodeCodes(entry, where),
  };
}

/** Codes as a plan stores them: max(bits, 2)-bit fields (sign's -1, 0, +1 need two bits), base64. */
export function encodeCodes(codes: Int32Array, bits: number): string {
  return Buffer.from(packBits(codes, Math.max(bits, 2), true)).toString('base64');
}

function decodeCodes(entry: PlanLayer, where: string): Int32Array {
  const count = entry.rows * entry.rowLength;
  const width = Math.max(entry.bits, 2);
  const bytes = typeof entry.codes === 'string' && /^[A-Za-z0-9+/]*={0,2}$/.test(entry.codes) ? Buffer.from(entry.codes, 'base64') : undefined;
  if (bytes?.length !== packedBytes(count, width)) fail(`${where}: codes must be base64 of ${packedBytes(count, width)} bytes (${count} ${width}-bit codes)`);
  return unpackBits(bytes, count, width, true);
}

/**
 * A new graph whose layer weights are the plan's dequantized values (exactly quantizeLayer's
 * `dequantized`, or the pruned float32 weights); `graph` is left untouched.
 */
export function applyPlan(graph: Graph, plan: Plan): Graph {
  const { applied, integerLayers } = applyWeights(graph, plan);
  return plan.activations ? integerGraph(applied, { tensors: activationTensors(plan.activations), layers: integerLayers }) : applied;
}

/**
 * The graph the C backend compiles for a plan: the model's own (its layers packed by the plan),
 * or for an int8 plan its integer graph. Refuses scales the model's weights do not give.
 */
export function compiledGraphOf(graph: Graph, plan: Plan): Graph {
  const { integerLayers } = applyWeights(graph, plan);
  return plan.activations ? integerGraph(graph, { tensors: activationTensors(plan.activations), layers: integerLayers }) : graph;
}

/** For an int8 plan, the values the device stores as int8, with their quantization (int8Values); none for a float32 plan. */
export function int8ActivationsOf(graph: Graph, plan: Plan): Map<string, ActivationQuant> {
  if (!plan.activations) return new Map();
  const { applied, integerLayers } = applyWeights(graph, plan);
  return int8Values(applied, { tensors: activationTensors(plan.activations), layers: integerLayers });
}

/** For an int8 plan, its integer graph with the int8 twin of each value it holds as int8 (integerGraphWithTwins); undefined for a float32 plan. */
export function integerTwinsOf(graph: Graph, plan: Plan): ReturnType<typeof integerGraphWithTwins> | undefined {
  if (!plan.activations) return undefined;
  const { applied, integerLayers } = applyWeights(graph, plan);
  return integerGraphWithTwins(applied, { tensors: activationTensors(plan.activations), layers: integerLayers });
}

/** An int8 plan's activation quantization, by value. */
export const activationTensors = (record: ActivationsRecord) => new Map(record.tensors.map((t): [string, ActivationQuant] => [t.value, { scale: t.scale, zeroPoint: t.zeroPoint }]));

/**
 * The graph with the plan's weights (float32, as deployed), and the layers quantized to
 * 1..8 bits by a scale per row (uniform, uniform-layer, sign) as the integer mode stores
 * them; a codebook or float32 layer runs in float32 there.
 */
export function applyWeights(graph: Graph, plan: Plan): { applied: Graph; integerLayers: Map<string, IntegerLayer> } {
  const constants = new Map<string, Tensor>(graph.constants);
  const applied: Graph = { ...graph, constants };
  const integerLayers = new Map<string, IntegerLayer>();
  const layers = findWeightLayers(graph);
  plan.layers.forEach((entry, i) => {
    const layer = layers[i];
    for (const name of layerWeightNames(layer)) {
      const tensor = graph.constants.get(name)!;
      constants.set(name, { dtype: tensor.dtype, shape: [...tensor.shape], data: new Float32Array(tensor.data.length) });
    }
    const rows = readRows(graph, layer);
    if (entry.quantizer === 'float32') {
      writeRows(applied, layer, rows.map((w) => (Math.abs(w) <= entry.threshold ? 0 : w)));
      return;
    }
    const q = quantizeLayer(rows, layer.rows, quantizerSpec(entry, entry.quantizer), `plan layer '${layer.node}'`);
    const scales = Array.from(q.scales);
    if (scales.length !== entry.scales.length || scales.some((s, k) => !Object.is(s, entry.scales[k]))) {
      fail(`plan layer '${layer.node}': its scales do not match what quantizing the model's weights gives (the plan was edited, or made for other weights)`);
    }
    writeRows(applied, layer, q.dequantized);
    const integer = integerLayerOf(layer, q, entry.quantizer, entry.bits, entry.encoding);
    if (integer) integerLayers.set(layer.node, integer);
  });
  return { applied, integerLayers };
}

/**
 * A quantized layer as the integer mode runs it: its codes and a scale per row (undefined for
 * a codebook or a joined recurrent layer, which run in float32 there).
 */
export function integerLayerOf(layer: WeightLayer, q: Pick<QuantizedLayer, 'codes' | 'scales'>, quantizer: Quantizer | 'float32', bits: number, encoding: string): IntegerLayer | undefined {
  if (quantizer === 'codebook' || quantizer === 'float32' || layer.joined) return undefined;
  // a row pruned to nothing (scale 0) keeps scale 1: its codes are 0, its bias still needs a scale
  const scales = Float32Array.from({ length: layer.rows }, (_, r) => q.scales[quantizer === 'uniform-layer' ? 0 : r] || 1);
  return { codes: q.codes, rows: layer.rows, scales, bits, encoding: encoding === 'float32' ? undefined : encoding };
}
