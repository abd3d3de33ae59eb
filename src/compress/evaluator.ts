/**
 * Fast evaluation of candidate weight sets on one dataset, for the searches. Its parts:
 *
 * - the windows in the worker threads, hardest first, run in growing chunks
 *   (src/compress/window-shards.ts);
 * - the states before the layer the search is on, kept so that candidates run only the rest
 *   of the graph (src/compress/prefix-cache.ts);
 * - the early stop: a candidate that can no longer meet its requirement is rejected before
 *   every window has run, with the decision a full evaluation makes (src/compress/early-stop.ts).
 *
 * Cost: `evaluations` counts full-model equivalents: MACs actually run (candidates and cached
 * prefixes) over the MACs of one full pass over every window.
 *
 * Scores are points (percent): accuracy or macro F1 against the labels, which in label-free
 * mode are the full model's own top-1 classes (so accuracy is top-1 agreement).
 */
import type { Graph } from '../ir/graph.js';
import { summarize } from '../model/summary.js';
import type { ActivationQuant } from '../quant/activations.js';
import { BatchRunner } from '../ref/parallel.js';
import { type CandidateWeights, floatWeights, integerWeights } from './candidate-weights.js';
import type { RealizedLayer } from './choice.js';
import { EPSILON, EarlyStop, NOT_RUN, type Requirement } from './early-stop.js';
import type { WeightLayer } from '../plan/layers.js';
import { type MetricName, argmaxRows, classificationMetrics, outputFigures } from './metrics.js';
import type { Figures } from '../plan/plan.js';
import type { ExplanationGuard } from './explanation-drift.js';
import { PrefixCache } from './prefix-cache.js';
import { WindowShards } from './window-shards.js';

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
  /**
   * Candidates measured on int8 activations of this quantization, each layer at `start(i)`
   * (its float32 choice in the integer mode) until changed: the scores are the integer
   * reference's, the baseline still the float32 model's.
   */
  integer?: { tensors: Map<string, ActivationQuant>; start: (layerIndex: number) => RealizedLayer };
  /** --max-explanation-drift: each complete outcome that meets the other constraints gets its explanations' agreement (figures.explanationAgreement), on the numbers the threads run (int8 activations too). */
  explanation?: ExplanationGuard;
}

const DEFAULT_MAX_CACHE_BYTES = 1 << 30;

export class Evaluator {
  readonly count: number;
  readonly classes: number;
  readonly metric: MetricName;
  readonly labeled: boolean;
  readonly classNames: string[];
  /** Full-model-equivalent evaluations so far. */
  evaluations = 0;
  candidates = 0;
  /** The full model's figures (filled by create). */
  baseline!: Outcome;
  /**
   * Where the searches start: the full model (the baseline), or on int8 activations every layer
   * at its start (8-bit) in the integer graph, which is not the full model's figures.
   */
  start!: Outcome;
  private earlyStop!: EarlyStop;

  private readonly committed = new Map<number, RealizedLayer>();
  private readonly cache: PrefixCache;
  private readonly nodeCount: number;
  private readonly suffixMacs: number[];
  private readonly totalMacs: number;
  private readonly explanation?: ExplanationGuard;

  private constructor(
    private readonly shards: WindowShards,
    private readonly weights: CandidateWeights,
    readonly layers: WeightLayer[],
    private readonly labels: Int32Array,
    /** The full model's top-1 classes (dataset order); label-free, also `labels`. */
    private readonly referenceClasses: Int32Array,
    options: EvaluatorOptions,
  ) {
    this.count = labels.length;
    this.classes = shards.classes;
    this.metric = options.metric ?? 'accuracy';
    this.labeled = options.labeled ?? true;
    this.classNames = options.classNames ?? Array.from({ length: this.classes }, (_, c) => String(c));
    this.cache = new PrefixCache(shards.runner, weights.graph, this.count, options.maxCacheBytes ?? DEFAULT_MAX_CACHE_BYTES);
    this.explanation = options.explanation;
    const macs = summarize(weights.graph).nodes.map((n) => n.macs);
    this.nodeCount = weights.graph.nodes.length;
    this.totalMacs = Math.max(1, macs.reduce((a, b) => a + b, 0));
    this.suffixMacs = new Array<number>(macs.length + 1).fill(0);
    for (let i = macs.length - 1; i >= 0; i--) this.suffixMacs[i] = this.suffixMacs[i + 1] + macs[i];
  }

  /**
   * `x`: `count` windows back to back; `labels`: their classes, or undefined for label-free
   * mode (the full model's top-1 classes become the labels).
   */
  static async create(graph: Graph, layers: WeightLayer[], x: Float32Array, count: number, labels: Int32Array | undefined, options: EvaluatorOptions = {}): Promise<Evaluator> {
    const { integer } = options;
    const weights = integer ? integerWeights(graph, layers, integer.tensors, integer.start) : floatWeights(graph, layers);
    const shards = await WindowShards.create(weights, x, count, options.threads, integer && (await floatOutputs(graph, x, count, options.threads)));
    const referenceClasses = argmaxRows(shards.reference, shards.classes);
    const ev = new Evaluator(shards, weights, layers, labels ?? referenceClasses, referenceClasses, { ...options, labeled: labels !== undefined && (options.labeled ?? true) });
    ev.evaluations += 1;
    ev.baseline = ev.finish(shards.reference, count);
    if (options.explanation) ev.baseline.figures!.explanationAgreement = 1;
    ev.start = integer ? await ev.evaluate(new Map()) : ev.baseline;
    ev.earlyStop = new EarlyStop(shards.order.map((i) => ev.labels[i]), ev.metric, ev.classNames, ev.baseline.figures!.perClass!);
    return ev;
  }

  /** The full model's outputs, in the dataset's order. */
  get reference(): Float32Array {
    return this.shards.reference;
  }

  /** Makes `candidate` the layer's weights for every later evaluation. */
  async commit(layerIndex: number, candidate: RealizedLayer): Promise<void> {
    if (this.committed.get(layerIndex) === candidate) return;
    this.committed.set(layerIndex, candidate);
    await this.cache.dropAfter(this.weights.nodeIndex(layerIndex));
    await this.hold(new Map());
  }

  /** Back to the full model's weights (a new search starts from there). */
  async resetCommits(): Promise<void> {
    if (this.committed.size === 0) return;
    this.committed.clear();
    await this.cache.dropAfter(0);
    await this.hold(new Map());
  }

  /** The committed weights of a layer (row-major), or undefined if it was never changed. */
  committedRows(layerIndex: number): Float32Array | undefined {
    return this.committed.get(layerIndex)?.dequantized;
  }

  /**
   * Says the next candidates change layer `layerIndex` or later ones: keeps the windows'
   * states before it (when they fit in maxCacheBytes).
   */
  async focus(layerIndex: number): Promise<void> {
    const cut = this.weights.nodeIndex(layerIndex);
    if (!this.cache.wants(cut)) return;
    // the states are those of the committed weights
    await this.hold(new Map());
    const from = await this.cache.keep(cut);
    this.evaluations += this.passShare(from, cut);
  }

  /**
   * Evaluates the committed weights with `changes` (layer index -> candidate) on top. With a
   * requirement, stops as soon as it cannot be met.
   */
  async evaluate(changes: Map<number, RealizedLayer>, requirement?: Requirement): Promise<Outcome> {
    this.candidates++;
    await this.hold(changes);

    const k = this.classes;
    const cut = this.cache.startFor(Math.min(this.nodeCount, ...[...changes.keys()].map((i) => this.weights.nodeIndex(i))));
    const output = new Float32Array(this.count * k);
    const predicted = new Int32Array(this.count).fill(NOT_RUN);
    let windows = 0;
    for await (const chunk of this.shards.chunks(cut)) {
      const classes = argmaxRows(chunk.output, k);
      let at = 0;
      for (const [a, b] of chunk.ranges) {
        output.set(chunk.output.subarray(at * k, (at + b - a) * k), a * k);
        predicted.set(classes.subarray(at, at + b - a), a);
        at += b - a;
      }
      windows += at;
      this.evaluations += (chunk.output.length / k / this.count) * this.passShare(cut, this.nodeCount);
      if (requirement && !chunk.last) {
        const bound = this.earlyStop.stopAt(predicted, requirement);
        if (bound !== undefined) return { accepted: false, complete: false, score: bound, windows };
      }
    }
    const result = this.finish(this.shards.toDatasetOrder(output, k), windows);
    // the explanations are measured only where the rest holds: they cost a pass of their own
    if (this.explanation && (!requirement || this.meets(result, { ...requirement, minExplanationAgreement: undefined }))) {
      result.figures!.explanationAgreement = this.explanation.agreement(this.weights.numerics(new Map([...this.committed, ...changes])));
    }
    if (requirement) result.accepted = this.meets(result, requirement);
    return result;
  }

  /** Whether a complete outcome meets `requirement`: its score, its output SNR and every class's recall. */
  meets(outcome: Outcome, requirement: Requirement): boolean {
    const figures = outcome.figures!;
    return (
      outcome.score >= requirement.minScore - EPSILON &&
      (requirement.minSnrDb === undefined || (figures.snrDb ?? Infinity) >= requirement.minSnrDb) &&
      (requirement.minExplanationAgreement === undefined || (figures.explanationAgreement ?? -Infinity) >= requirement.minExplanationAgreement - EPSILON) &&
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
    await this.shards.close();
  }

  /** Gives the threads the committed weights with `changes` on top. */
  private hold(changes: Map<number, RealizedLayer>): Promise<void> {
    return this.shards.hold(new Map([...this.committed, ...changes]));
  }

  /** The MACs of nodes [from, to) over every window, in full passes. */
  private passShare(from: number, to: number): number {
    return (this.suffixMacs[from] - this.suffixMacs[to]) / this.totalMacs;
  }

  /** Figures and score of complete outputs (dataset order). */
  private finish(outputs: Float32Array, windows: number): Outcome {
    // Label-free, the labels are the full model's classes: the score is then fidelity.
    const predicted = argmaxRows(outputs, this.classes);
    const metrics = classificationMetrics(this.labels, predicted, this.classNames);
    // (labels that are the full model's classes make these metrics the per-class agreement outputFigures reports)
    const known = { predicted, referenceClasses: this.referenceClasses, agreement: this.labels === this.referenceClasses ? metrics : undefined };
    const figures = outputFigures(this.labeled ? metrics : null, outputs, this.reference, this.classes, this.classNames, known);
    const score = 100 * (this.metric === 'accuracy' ? metrics.accuracy : metrics.macroF1);
    return { accepted: true, complete: true, score, windows, figures, outputs };
  }
}

/** The float32 model's outputs on `count` windows of `x`. */
async function floatOutputs(graph: Graph, x: Float32Array, count: number, threads?: number): Promise<Float32Array> {
  const runner = new BatchRunner(graph, threads);
  try {
    return await runner.run(x.subarray(0, count * runner.inputSize), count);
  } finally {
    await runner.close();
  }
}
