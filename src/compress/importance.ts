/**
 * Layer importance, the paper's heuristic (Gaurhar et al.), defined exactly:
 *
 *  rho_l    Parameter Density Index: n_l / sum_k n_k, with n_l the number of weights of
 *           layer l (biases are not counted: they stay float32 and are not compressed).
 *  delta_l  Parameter Variability Index: v_l = the population variance of W_l (float64 sums),
 *           log-scaled as s_l = ln(1 + v_l / v_min), with v_min the smallest nonzero variance
 *           over the layers, then delta_l = s_l / max_k s_k. Dividing by v_min makes delta
 *           independent of the weights' overall scale (multiplying every weight by c changes
 *           nothing); the logarithm compresses the orders of magnitude that separate e.g. a
 *           depthwise from a pointwise layer. delta lies in (0, 1], the most variable layer 1;
 *           a layer of constant weights 0 (and every layer 0 when all are constant).
 *  I_l      alpha * rho_l + beta * delta_l (defaults 0.5, 0.5: I in [0, 1]).
 */
import type { Graph } from '../ir/graph.js';
import { type WeightLayer, readRows } from '../plan/layers.js';

export interface LayerImportance {
  rho: number;
  delta: number;
  importance: number;
  variance: number;
}

export function variance(values: ArrayLike<number>): number {
  let sum = 0;
  for (let i = 0; i < values.length; i++) sum += values[i];
  const mean = sum / values.length;
  let squares = 0;
  for (let i = 0; i < values.length; i++) squares += (values[i] - mean) ** 2;
  return squares / values.length;
}

export function layerImportance(graph: Graph, layers: WeightLayer[], alpha = 0.5, beta = 0.5): LayerImportance[] {
  const counts = layers.map((l) => l.rows * l.rowLength);
  const total = counts.reduce((a, b) => a + b, 0);
  const variances = layers.map((l) => variance(readRows(graph, l)));
  const positive = variances.filter((v) => v > 0);
  const vMin = positive.length > 0 ? Math.min(...positive) : 1;
  const scaled = variances.map((v) => Math.log1p(v / vMin));
  const sMax = Math.max(0, ...scaled);
  return layers.map((_, i) => {
    const rho = counts[i] / total;
    const delta = sMax > 0 ? scaled[i] / sMax : 0;
    return { rho, delta, importance: alpha * rho + beta * delta, variance: variances[i] };
  });
}
