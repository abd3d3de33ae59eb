/**
 * Fast evaluation of candidate weight sets on one dataset, for the searches.
 *
 * - Both cores: a BatchRunner keeps the windows in its worker threads, each thread a fixed
 *   range of them, and candidates reach the workers as in-place constant updates.
 * - From the first changed layer on: when the search says which layer comes next (focus),
 *   every window's state before that layer (the values that cross the cut, e.g. a residual
 *   branch as well as the layer's input) is computed once and kept in the workers; a
 *   candidate then runs only the rest of the graph. A cached state stays valid until a layer
 *   before its cut is committed. States larger than `maxCacheBytes` are not kept (candidates
 *   then start further up).
 * - Early stop: a candidate with a requirement is run in growing chunks (1/64 of the windows,
 *   then 1/64, 2/64, 4/64, then 8/64 at a time), hardest windows first (smallest top-1 margin of the full
 *   model), and rejected as soon as even every remaining window right could not bring it up
 *   to the requirement (its score, or a class's recall). The decision is the one a full
 *   evaluation makes: accuracy, macro F1 and every recall can only grow when more windows
 *   are right, and no wrong window helps.
 * - Cost: `evaluations` counts full-model equivalents: MACs actually run (candidates and
 *   cached prefixes) over the MACs of one full pass over every window.
 *
 * Scores are points (percent): accuracy or macro F1 against the labels, which in label-free
 * mode are the full model's own top-1 classes (so accuracy is top-1 agreement).
 */
import type { Graph, Tensor } from '../ir/graph.js';
import { summarize } from '../model/summary.js';
import { compileStepped } from '../ref/interpreter.js';
import { BatchRunner } from '../ref/parallel.js';
import type { Figures } from '../plan/plan.js';
import { type WeightLayer, rowsToStorage } from '../plan/layers.js';
import { argmaxRows, classificationMetrics, outputFigures } from './metrics.js';

export type MetricName = 'accuracy' | 'f1';

export interface Requirement {
  /** Minimum score, points. */
  minScore: number;
  /** Minimum output SNR against the full model, dB (checked on complete runs). */
  minSnrDb?: number;
  /** Points of recall any one class may lose against the full model (label-free: of its top-1 agreement). */
  maxClassDrop?: number;
}

export interface Outcome {
  accepted: boolean;
  /** Whether every window was run (false: rejected early). */
  complete: boolean;
  /** The score (points) when complete; when rejected early, the best it could still have reached. */
  score: number;
  windows: number;
  /** Complete runs: figures against the labels and the full model. */
  figures?: Figures;
  /** Complete runs: outputs, in the dataset's order. */
  outputs?: Float32Array;
}

export interface EvaluatorOptions {
  threads?: number;
  metric?: MetricName;
  /** Whether `labels` are real labels (false: the full model's classes, label-free mode). */
  labeled?: boolean;
  /** The classes' names, in output order (default: their indices). */
  classNames?: string[];
  maxCacheBytes?: number;
}

const PARTS = 64;
/** The largest chunk, in parts: a rejection that shows late still stops within 1/8 of the windows. */
const MAX_CHUNK = 8;
const DEFAULT_MAX_CACHE_BYTES = 1 << 30;
const EPSILON = 1e-9;

export class Evaluator {
  readonly count: number;
  readonly classes: number;
  readonly metric: MetricName;
  readonly labeled: boolean;
  readonly classNames: string[];
  /** Full-model-equivalent evaluations so far. */
  evaluations = 0;
  candidates = 0;
  /** The full model's outputs and figures (filled by create). */
  reference!: Float32Array;
  baseline!: Outcome;
  /** The full model's top-1 classes (dataset order); label-free, also `labels`. */
  private referenceClasses!: Int32Array;

  /** order[i]: the dataset index of the i-th window the threads keep. */
  private readonly order: Int32Array;
  private readonly labels: Int32Array;
  /** The labels in the order the threads keep the windows (hardest first). */
  private readonly orderedLabels: Int32Array;
  private readonly committed = new Map<number, Float32Array>();
  /** The row-major weights the threads hold for each layer changed so far (by reference). */
  private readonly live = new Map<number, Float32Array>();
  /** Cached states: cut (node index) -> valid. Cut 0 (the inputs) is always there. */
  private readonly cuts = new Set<number>([0]);
  private readonly suffixMacs: number[];
  private readonly totalMacs: number;
  private readonly stateFloats: (cut: number) => number;
  /** Each layer's weights as the model has them (storage layout), for restoring. */
  private readonly originals: Float32Array[];

  private constructor(
    private readonly runner: BatchRunner,
    private readonly graph: Graph,
    readonly layers: WeightLayer[],
    labels: Int32Array,
    classes: number,
    order: Int32Array,
    options: EvaluatorOptions,
    private readonly maxCacheBytes: number,
  ) {
    this.count = labels.length;
    this.classes = classes;
    this.metric = options.metric ?? 'accuracy';
    this.labeled = options.labeled ?? true;
    this.classNames = options.classNames ?? Array.from({ length: classes }, (_, c) => String(c));
    this.labels = labels;
    this.order = order;
    this.orderedLabels = this.order.map((i) => labels[i]);
    const macs = summarize(graph).nodes.map((n) => n.macs);
    this.totalMacs = Math.max(1, macs.reduce((a, b) => a + b, 0));
    this.suffixMacs = new Array<number>(macs.length + 1).fill(0);
    for (let i = macs.length - 1; i >= 0; i--) this.suffixMacs[i] = this.suffixMacs[i + 1] + macs[i];
    const stepped = compileStepped(graph);
    this.stateFloats = (cut) => stepped.stateSize(cut);
    this.originals = layers.map((l) => (graph.constants.get(l.weight)!.data as Float32Array).slice());
  }

  /**
   * `x`: `count` windows back to back; `labels`: their classes, or undefined for label-free
   * mode (the full model's top-1 classes become the labels).
   */
  static async create(graph: Graph, layers: WeightLayer[], x: Float32Array, count: number, labels: Int32Array | undefined, options: EvaluatorOptions = {}): Promise<Evaluator> {
    // A private copy of the layer weights: candidates are written into it in place.
    const constants = new Map<string, Tensor>(graph.constants);
    for (const l of layers) {
      const t = graph.constants.get(l.weight)!;
      constants.set(l.weight, { ...t, data: t.data.slice() });
    }
    const own: Graph = { ...graph, constants };
    const runner = new BatchRunner(own, options.threads);
    const inSize = runner.inputSize;
    const classes = runner.outputSize;
    // The full model, run once: the reference for agreement and SNR, and the labels in label-free mode.
    await runner.cache(x.slice(0, count * inSize), count);
    const reference = (await runner.runCached(0, 0, 1, 1)).output;
    const order = hardestFirst(reference, classes, runner.shardCount);
    const xs = new Float32Array(count * inSize);
    for (let i = 0; i < count; i++) xs.set(x.subarray(order[i] * inSize, (order[i] + 1) * inSize), i * inSize);
    await runner.cache(xs, count);
    const referenceClasses = argmaxRows(reference, classes);
    const ev = new Evaluator(runner, own, layers, labels ?? referenceClasses, classes, order, { ...options, labeled: labels !== undefined && (options.labeled ?? true) }, options.maxCacheBytes ?? DEFAULT_MAX_CACHE_BYTES);
    ev.reference = reference;
    ev.referenceClasses = referenceClasses;
    ev.evaluations += 1;
    ev.baseline = ev.finish(reference, count);
    return ev;
  }

  /** Makes `rows` (row-major) the layer's weights for every later evaluation. */
  async commit(layerIndex: number, rows: Float32Array): Promise<void> {
    if (this.committed.get(layerIndex) === rows) return;
    this.committed.set(layerIndex, rows);
    const nodeIndex = this.layers[layerIndex].nodeIndex;
    for (const cut of [...this.cuts]) {
      if (cut > nodeIndex) {
        this.cuts.delete(cut);
        await this.runner.dropCut(cut);
      }
    }
    await this.sync(new Map());
  }

  /** Back to the full model's weights (a new search starts from there). */
  async resetCommits(): Promise<void> {
    if (this.committed.size === 0) return;
    this.committed.clear();
    for (const cut of [...this.cuts]) {
      if (cut !== 0) {
        this.cuts.delete(cut);
        await this.runner.dropCut(cut);
      }
    }
    await this.sync(new Map());
  }

  /** The committed weights of a layer (row-major), or undefined if it was never changed. */
  committedRows(layerIndex: number): Float32Array | undefined {
    return this.committed.get(layerIndex);
  }

  /**
   * Says the next candidates change layer `layerIndex` or later ones: keeps the windows'
   * states before it (when they fit in maxCacheBytes).
   */
  async focus(layerIndex: number): Promise<void> {
    const cut = this.layers[layerIndex].nodeIndex;
    if (this.cuts.has(cut)) return;
    if (this.stateFloats(cut) * 4 * this.count > this.maxCacheBytes) return;
    await this.sync(new Map());
    const from = Math.max(...[...this.cuts].filter((c) => c < cut));
    await this.runner.prepareCut(from, cut);
    this.evaluations += (this.suffixMacs[from] - this.suffixMacs[cut]) / this.totalMacs;
    for (const c of [...this.cuts]) {
      if (c !== 0 && c !== cut) {
        this.cuts.delete(c);
        await this.runner.dropCut(c);
      }
    }
    this.cuts.add(cut);
  }

  /**
   * Evaluates the committed weights with `changes` (layer index -> row-major weights) on
   * top. With a requirement, stops as soon as it cannot be met.
   */
  async evaluate(changes: Map<number, Float32Array>, requirement?: Requirement): Promise<Outcome> {
    this.candidates++;
    await this.sync(changes);

    const firstChanged = Math.min(this.graph.nodes.length, ...[...changes.keys()].map((i) => this.layers[i].nodeIndex));
    const cut = Math.max(...[...this.cuts].filter((c) => c <= firstChanged));
    const output = new Float32Array(this.count * this.classes);
    const ran = new Uint8Array(this.count);
    let done = 0;
    let windows = 0;
    while (done < PARTS) {
      const next = Math.min(PARTS, done === 0 ? 1 : done + Math.min(done, MAX_CHUNK));
      const { ranges, output: part } = await this.runner.runCached(cut, done, next, PARTS);
      let at = 0;
      for (const [a, b] of ranges) {
        output.set(part.subarray(at, at + (b - a) * this.classes), a * this.classes);
        at += (b - a) * this.classes;
        windows += b - a;
        ran.fill(1, a, b);
      }
      done = next;
      this.evaluations += (part.length / this.classes / this.count) * (this.suffixMacs[cut] / this.totalMacs);
      if (requirement && done < PARTS) {
        const bound = this.bestPossible(output, ran);
        if (bound < requirement.minScore - EPSILON || this.classBoundFails(output, ran, requirement)) return { accepted: false, complete: false, score: bound, windows };
      }
    }
    const outputs = toDatasetOrder(output, this.order, this.classes);
    const result = this.finish(outputs, windows);
    if (requirement) result.accepted = this.meets(result, requirement);
    return result;
  }

  /** Whether a complete outcome meets `requirement`: its score, its output SNR and every class's recall. */
  meets(outcome: Outcome, requirement: Requirement): boolean {
    const figures = outcome.figures!;
    return (
      outcome.score >= requirement.minScore - EPSILON &&
      (requirement.minSnrDb === undefined || (figures.snrDb ?? Infinity) >= requirement.minSnrDb) &&
      this.failingClasses(figures, requirement).length === 0
    );
  }

  /** The classes (indices) whose recall falls more than requirement.maxClassDrop below the full model's. */
  failingClasses(figures: Figures, requirement: Pick<Requirement, 'maxClassDrop'>): number[] {
    const { maxClassDrop } = requirement;
    if (maxClassDrop === undefined) return [];
    const full = this.baseline.figures!.perClass!;
    return figures.perClass!.map((_, i) => i).filter((i) => full[i].support > 0 && 100 * figures.perClass![i].recall < 100 * full[i].recall - maxClassDrop - EPSILON);
  }

  async close(): Promise<void> {
    await this.runner.close();
  }

  /** Gives the threads the committed weights with `changes` on top, sending only what differs. */
  private async sync(changes: Map<number, Float32Array>): Promise<void> {
    const update: Record<string, Float32Array> = {};
    const indices = new Set([...this.live.keys(), ...this.committed.keys(), ...changes.keys()]);
    for (const i of indices) {
      const wanted = changes.get(i) ?? this.committed.get(i);
      if (wanted !== undefined && wanted === this.live.get(i)) continue;
      const layer = this.layers[i];
      if (wanted === undefined) {
        update[layer.weight] = this.originals[i];
        this.live.delete(i);
      } else {
        update[layer.weight] = rowsToStorage(layer, wanted);
        this.live.set(i, wanted);
      }
    }
    if (Object.keys(update).length > 0) await this.runner.updateConstants(update);
  }

  /** The score if every window not yet run (marked 0 in `ran`) were right. */
  private bestPossible(output: Float32Array, ran: Uint8Array): number {
    const k = this.classes;
    if (this.metric === 'accuracy') {
      let right = 0;
      for (let i = 0; i < this.count; i++) {
        if (!ran[i] || argmaxAt(output, i, k) === this.orderedLabels[i]) right++;
      }
      return (100 * right) / this.count;
    }
    const confusion = Array.from({ length: k }, () => new Array<number>(k).fill(0));
    for (let i = 0; i < this.count; i++) {
      const truth = this.orderedLabels[i];
      confusion[truth][ran[i] ? argmaxAt(output, i, k) : truth]++;
    }
    return 100 * macroF1(confusion);
  }

  /** Whether some class could not reach its minimum recall even if every window not yet run were right. */
  private classBoundFails(output: Float32Array, ran: Uint8Array, requirement: Requirement): boolean {
    if (requirement.maxClassDrop === undefined) return false;
    const k = this.classes;
    const reachable = new Array<number>(k).fill(0);
    for (let i = 0; i < this.count; i++) {
      const truth = this.orderedLabels[i];
      if (!ran[i] || argmaxAt(output, i, k) === truth) reachable[truth]++;
    }
    const full = this.baseline.figures!.perClass!;
    return full.some((c, i) => c.support > 0 && (100 * reachable[i]) / c.support < 100 * c.recall - requirement.maxClassDrop! - EPSILON);
  }

  /** Figures and score of complete outputs (dataset order). */
  private finish(outputs: Float32Array, windows: number): Outcome {
    // Label-free, the labels are the full model's classes: the score is then fidelity.
    const predicted = argmaxRows(outputs, this.classes);
    const metrics = classificationMetrics(this.labels, predicted, this.classNames);
    // (labels that are the full model's classes make these metrics the per-class agreement outputFigures reports)
    const known = { predicted, referenceClasses: this.referenceClasses, agreement: this.labels === this.referenceClasses ? metrics : undefined };
    const figures = outputFigures(this.labeled ? metrics : null, outputs, this.reference ?? outputs, this.classes, this.classNames, known);
    const score = 100 * (this.metric === 'accuracy' ? metrics.accuracy : metrics.macroF1);
    return { accepted: true, complete: true, score, windows, figures, outputs };
  }
}

function argmaxAt(values: Float32Array, row: number, columns: number): number {
  let best = 0;
  for (let c = 1; c < columns; c++) if (values[row * columns + c] > values[row * columns + best]) best = c;
  return best;
}

/** Macro F1 of a confusion matrix (rows true, columns predicted), as classificationMetrics. */
function macroF1(confusion: number[][]): number {
  const k = confusion.length;
  let sum = 0;
  for (let c = 0; c < k; c++) {
    const tp = confusion[c][c];
    const support = confusion[c].reduce((a, b) => a + b, 0);
    const predicted = confusion.reduce((a, row) => a + row[c], 0);
    const precision = predicted === 0 ? 0 : tp / predicted;
    const recall = support === 0 ? 0 : tp / support;
    sum += precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall);
  }
  return sum / k;
}

/**
 * The order the windows are kept in: by the full model's top-1 margin (largest minus second
 * largest output), smallest first, dealt round-robin to the shards so that every shard's
 * first part holds the hardest windows. A candidate's new mistakes are mostly among them,
 * so a failing candidate is seen to fail after few windows. (Ties keep dataset order.)
 */
function hardestFirst(outputs: Float32Array, classes: number, shards: number): Int32Array {
  const count = outputs.length / classes;
  const margin = new Float64Array(count);
  for (let i = 0; i < count; i++) {
    let first = -Infinity;
    let second = -Infinity;
    for (let c = 0; c < classes; c++) {
      const v = outputs[i * classes + c];
      if (v > first) [first, second] = [v, first];
      else if (v > second) second = v;
    }
    margin[i] = classes > 1 ? first - second : 0;
  }
  const sorted = Array.from({ length: count }, (_, i) => i).sort((a, b) => margin[a] - margin[b] || a - b);
  // Round-robin into the shards' ranges (as BatchRunner.cache cuts them), each to its size.
  const sizes = Array.from({ length: shards }, (_, s) => Math.floor((count * (s + 1)) / shards) - Math.floor((count * s) / shards));
  const lists: number[][] = sizes.map(() => []);
  let s = 0;
  for (const index of sorted) {
    while (lists[s].length >= sizes[s]) s = (s + 1) % shards;
    lists[s].push(index);
    s = (s + 1) % shards;
  }
  return Int32Array.from(lists.flat());
}

function toDatasetOrder(values: Float32Array, order: Int32Array, width: number): Float32Array {
  const out = new Float32Array(values.length);
  for (let i = 0; i < order.length; i++) out.set(values.subarray(i * width, (i + 1) * width), order[i] * width);
  return out;
}
