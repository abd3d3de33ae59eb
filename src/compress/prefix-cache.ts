/**
 * From the first changed layer on: when the search says which layer comes next (focus), every
 * window's state before that layer (the values that cross the cut, e.g. a residual branch as
 * well as the layer's input) is computed once and kept in the worker threads; a candidate
 * then runs only the rest of the graph. A kept state stays valid until a layer before its cut
 * changes. States larger than `maxBytes` are not kept (candidates then start further up).
 */
import type { Graph } from '../ir/graph.js';
import { compileStepped } from '../ref/interpreter.js';
import type { BatchRunner } from '../ref/parallel.js';

export class PrefixCache {
  /** The cuts (node indices) whose states the threads keep. Cut 0 (the inputs) is always there. */
  private readonly cuts = new Set<number>([0]);
  private readonly stateFloats: (cut: number) => number;

  constructor(
    private readonly runner: BatchRunner,
    graph: Graph,
    private readonly windows: number,
    private readonly maxBytes: number,
  ) {
    const stepped = compileStepped(graph);
    this.stateFloats = (cut) => stepped.stateSize(cut);
  }

  /** Where a candidate whose first changed node is `node` starts: the last kept cut at or before it. */
  startFor(node: number): number {
    return Math.max(...[...this.cuts].filter((c) => c <= node));
  }

  /** Whether the states before `cut` are worth computing: not kept yet, and within maxBytes. */
  wants(cut: number): boolean {
    return !this.cuts.has(cut) && this.stateFloats(cut) * 4 * this.windows <= this.maxBytes;
  }

  /**
   * Computes the states before `cut` from the last kept cut before it, and keeps them instead
   * of any other but the inputs (a search moves on layer by layer). Returns that earlier cut.
   */
  async keep(cut: number): Promise<number> {
    const from = Math.max(...[...this.cuts].filter((c) => c < cut));
    await this.runner.prepareCut(from, cut);
    await this.dropWhere((c) => c !== 0 && c !== cut);
    this.cuts.add(cut);
    return from;
  }

  /** Drops the states after node `node`: a layer there changed. */
  async dropAfter(node: number): Promise<void> {
    await this.dropWhere((c) => c > node);
  }

  private async dropWhere(which: (cut: number) => boolean): Promise<void> {
    for (const cut of [...this.cuts].filter(which)) {
      this.cuts.delete(cut);
      await this.runner.dropCut(cut);
    }
  }
}
