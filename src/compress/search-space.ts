/**
 * What the policies search over: every layer's weights and importance, and the realized
 * choices (dequantized weights and exact bytes), each computed once however often a search
 * asks for it.
 */
import type { Graph } from '../ir/graph.js';
import { FLOAT_BITS } from '../plan/quantize.js';
import { type LayerChoice, LayerWeights, type RealizedLayer } from './choice.js';
import { Compensation } from './gptq.js';
import type { LayerHessian } from './hessian.js';
import { type LayerImportance, layerImportance } from './importance.js';
import { type WeightLayer, readRows } from '../plan/layers.js';
import type { ScaleFormat } from '../plan/quantize.js';
import { layerRunsOnInt8 } from '../quant/integer-graph.js';

export const FLOAT_CHOICE: LayerChoice = { bits: FLOAT_BITS, family: 'uniform', prune: 0 };

export class SearchSpace {
  readonly weights: LayerWeights[];
  readonly importance: LayerImportance[];
  private readonly memo = new Map<string, RealizedLayer>();

  constructor(
    graph: Graph,
    readonly layers: WeightLayer[],
    alpha: number,
    beta: number,
    scaleFormat: ScaleFormat = 'float32',
    /**
     * For error-compensating rounding: gathers every layer's H (null: that layer rounds plainly),
     * called once, when a layer is first rounded; none: plain rounding everywhere.
     */
    hessians?: () => (LayerHessian | null)[],
    /** The integer mode's space (LayerWeights' `integer`, for the layers that run on int8 there). */
    readonly integer = false,
  ) {
    let compensations: (Compensation | undefined)[] | undefined;
    const compensation = hessians && ((i: number) => (compensations ??= hessians().map((h) => (h ? new Compensation(h) : undefined)))[i]);
    this.weights = layers.map((l, i) => new LayerWeights(l, readRows(graph, l), scaleFormat, compensation && (() => compensation(i)), integer && layerRunsOnInt8(graph, l)));
    this.importance = layerImportance(graph, layers, alpha, beta);
  }

  realize(layerIndex: number, choice: LayerChoice): RealizedLayer {
    const key = `${layerIndex}/${choice.bits}/${choice.bits === FLOAT_BITS || choice.bits === 1 ? '' : choice.family}/${choice.prune}`;
    let realized = this.memo.get(key);
    if (!realized) {
      realized = this.weights[layerIndex].realize(choice);
      this.memo.set(key, realized);
    }
    return realized;
  }

  bytes(choices: LayerChoice[]): number {
    return choices.reduce((sum, c, i) => sum + this.realize(i, c).size.total, 0);
  }

  /** The option of the fewest bytes for layer i (the first of them on a tie). */
  cheapest(layerIndex: number, options: LayerChoice[]): LayerChoice {
    return options.reduce((best, c) => (this.realize(layerIndex, c).size.total < this.realize(layerIndex, best).size.total ? c : best));
  }

  /**
   * Options sorted by bytes (then more bits first), without those that prune every weight and
   * those whose weights equal a cheaper one's: a greedy search tries them in this order.
   */
  cheapestFirst(layerIndex: number, options: LayerChoice[]): LayerChoice[] {
    const realized = options.map((o) => ({ o, r: this.realize(layerIndex, o) }));
    realized.sort((a, b) => a.r.size.total - b.r.size.total || b.o.bits - a.o.bits || a.o.prune - b.o.prune);
    const kept: typeof realized = [];
    for (const item of realized) {
      if (item.r.sparsity >= 1) continue;
      if (kept.some((k) => sameValues(k.r.dequantized, item.r.dequantized))) continue;
      kept.push(item);
    }
    return kept.map((k) => k.o);
  }

  /** (1 - I_l) / max_k (1 - I_k): 1 for the least important layer (the pruning policies prune it most). */
  pruneShare(layerIndex: number): number {
    const max = Math.max(...this.importance.map((m) => 1 - m.importance));
    return max > 0 ? (1 - this.importance[layerIndex].importance) / max : 1;
  }
}

function sameValues(a: Float32Array, b: Float32Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
