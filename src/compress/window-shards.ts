/**
 * How an evaluation's work is split over the cores: a BatchRunner keeps the windows in its
 * worker threads, each thread a fixed range of them, hardest first, and candidates reach the
 * threads as in-place constant updates (src/compress/candidate-weights.ts). A candidate runs
 * in growing chunks of every thread's range (1/64 of the windows, then 1/64, 2/64, 4/64, then
 * 8/64 at a time), so that a candidate that fails is seen to fail after few windows
 * (src/compress/early-stop.ts).
 */
import type { Tensor, TensorData } from '../ir/graph.js';
import { BatchRunner } from '../ref/parallel.js';
import type { CandidateWeights } from './candidate-weights.js';
import type { RealizedLayer } from './choice.js';

const PARTS = 64;
/** The largest chunk, in parts: a rejection that shows late still stops within 1/8 of the windows. */
const MAX_CHUNK = 8;

/** Outputs of some windows: `ranges` (indices in the order the threads keep them), back to back in `output`. */
export interface Chunk {
  ranges: [number, number][];
  output: Float32Array;
  /** Whether every window has now run. */
  last: boolean;
}

export class WindowShards {
  /** The candidate the threads hold for each layer changed so far (by reference). */
  private readonly live = new Map<number, RealizedLayer>();
  private constructor(
    /** The threads; the PrefixCache keeps its states in them too. */
    readonly runner: BatchRunner,
    private readonly weights: CandidateWeights,
    /** The full model's outputs, in the dataset's order. */
    readonly reference: Float32Array,
    /** order[i]: the dataset index of the i-th window the threads keep. */
    readonly order: Int32Array,
  ) {}

  /**
   * `x`: `count` windows back to back, kept in the threads hardest first. `reference`: the
   * full model's outputs on them when the threads run another graph (int8); else the
   * threads' graph is the full model, run once here.
   */
  static async create(weights: CandidateWeights, x: Float32Array, count: number, threads?: number, reference?: Float32Array): Promise<WindowShards> {
    // A private copy of the constants candidates write: they are written into it in place.
    const constants = new Map<string, Tensor>(weights.graph.constants);
    for (const name of weights.names) {
      const t = weights.graph.constants.get(name)!;
      constants.set(name, { ...t, data: t.data.slice() });
    }
    const runner = new BatchRunner({ ...weights.graph, constants }, threads);
    const inSize = runner.inputSize;
    if (!reference) {
      // the full model, run once: the reference for agreement and SNR, and the labels in label-free mode
      await runner.cache(x.slice(0, count * inSize), count);
      reference = (await runner.runCached(0, 0, 1, 1)).output;
    }
    const order = hardestFirst(reference, runner.outputSize, runner.shardCount);
    const xs = new Float32Array(count * inSize);
    for (let i = 0; i < count; i++) xs.set(x.subarray(order[i] * inSize, (order[i] + 1) * inSize), i * inSize);
    await runner.cache(xs, count);
    return new WindowShards(runner, weights, reference, order);
  }

  get classes(): number {
    return this.runner.outputSize;
  }

  /** Gives the threads `candidates` (layer index -> candidate; the start for every other layer), sending only what differs. */
  async hold(candidates: Map<number, RealizedLayer>): Promise<void> {
    const update: Record<string, TensorData> = {};
    for (const i of new Set([...this.live.keys(), ...candidates.keys()])) {
      const wanted = candidates.get(i);
      if (wanted === this.live.get(i)) continue;
      for (const [name, data] of this.weights.constants(i, wanted)) update[name] = data;
      if (wanted) this.live.set(i, wanted);
      else this.live.delete(i);
    }
    if (Object.keys(update).length > 0) await this.runner.updateConstants(update);
  }

  /** Runs every window from the states before node `cut`, in growing chunks. */
  async *chunks(cut: number): AsyncGenerator<Chunk> {
    let done = 0;
    while (done < PARTS) {
      const next = Math.min(PARTS, done === 0 ? 1 : done + Math.min(done, MAX_CHUNK));
      const { ranges, output } = await this.runner.runCached(cut, done, next, PARTS);
      done = next;
      yield { ranges, output, last: done === PARTS };
    }
  }

  /** Rows of `width` values in the threads' order, put back in the dataset's. */
  toDatasetOrder(values: Float32Array, width: number): Float32Array {
    const out = new Float32Array(values.length);
    for (let i = 0; i < this.order.length; i++) out.set(values.subarray(i * width, (i + 1) * width), this.order[i] * width);
    return out;
  }

  async close(): Promise<void> {
    await this.runner.close();
  }
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
