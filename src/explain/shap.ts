/**
 * SHAP values (Lundberg and Lee, 2017) of time segments, model-agnostic: the first input's
 * time axis is cut into M segments (all leads together), and a coalition S of segments takes
 * S's samples from the window and the others from a background window; its value v(S) is the
 * explained class's score averaged over the background (real windows). Permutation sampling
 * (Štrumbelj and Kononenko, 2014): along each sampled order of the segments, a segment's
 * contribution is v(S ∪ {j}) - v(S); the orders come in antithetic pairs (an order and its
 * reverse), and when M! orders are no more than asked for, all of them are taken and the
 * values are the exact Shapley values. Along every order the contributions sum to
 * v(all) - v(none) = f(x) - E_background f, so efficiency holds exactly, whatever the count.
 * Further inputs of the model (a beat's RR features) stay the window's own.
 *
 * A segment's value is spread evenly over its samples, so the saliency per sample sums to it.
 */
import { seededRandom } from '../data/splits.js';
import type { ClassChoice, WindowExplanation } from './saliency.js';

export interface ShapOptions {
  segments: number;
  permutations: number;
  seed: number;
}

/** Scores of `count` windows back to back (each window every graph input's values). */
export type Evaluate = (windows: Float32Array, count: number) => Promise<Float32Array>;

export interface ShapExplanation extends WindowExplanation {
  /** φ per segment. */
  segments: Float64Array;
  /** E_background f: v(none). */
  baseline: number;
}

export interface WindowLayout {
  /** Values per window (every input's). */
  size: number;
  /** Leads of the first input, and its samples per lead (its values lie first in the window, lead after lead). */
  leads: number;
  length: number;
}

/** The segments' sample ranges: M nearly equal parts of [0, length). */
export function segmentBounds(length: number, segments: number): number[] {
  return Array.from({ length: segments + 1 }, (_, j) => Math.floor((j * length) / segments));
}

/** The orders of M segments to walk: all M! of them when that is no more than `count`, else `count` sampled in antithetic pairs. */
export function segmentOrders(segments: number, count: number, seed: number): number[][] {
  let factorial = 1;
  for (let m = 2; m <= segments && factorial <= count; m++) factorial *= m;
  if (factorial <= count) return allOrders(segments);
  const random = seededRandom(seed);
  const orders: number[][] = [];
  while (orders.length < count) {
    const order = Array.from({ length: segments }, (_, j) => j);
    for (let i = segments - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      [order[i], order[j]] = [order[j], order[i]];
    }
    orders.push(order);
    if (orders.length < count) orders.push([...order].reverse());
  }
  return orders;
}

function allOrders(n: number): number[][] {
  if (n === 0) return [[]];
  return allOrders(n - 1).flatMap((order) => Array.from({ length: n }, (_, at) => [...order.slice(0, at), n - 1, ...order.slice(at)]));
}

/**
 * SHAP values of one window `x` (number `index` of those explained) for the class `choose`
 * picks, against `background` (windows back to back).
 */
export async function shapWindow(evaluate: Evaluate, layout: WindowLayout, x: Float32Array, index: number, background: Float32Array, choose: ClassChoice, options: ShapOptions): Promise<ShapExplanation> {
  const { size, leads, length } = layout;
  const backgrounds = background.length / size;
  const bounds = segmentBounds(length, options.segments);
  const orders = segmentOrders(options.segments, options.permutations, options.seed);
  const scores = await evaluate(x, 1);
  const explained = choose(scores, index);
  const classes = scores.length;

  // Coalitions: the empty and the full one once, then each order's proper prefixes of one or more segments.
  const coalitions: Uint8Array[] = [new Uint8Array(options.segments), new Uint8Array(options.segments).fill(1)];
  const prefixes = orders.map((order) =>
    order.slice(0, -1).map((_, i) => {
      const member = new Uint8Array(options.segments);
      for (const j of order.slice(0, i + 1)) member[j] = 1;
      coalitions.push(member);
      return coalitions.length - 1;
    }),
  );
  const windows = new Float32Array(coalitions.length * backgrounds * size);
  coalitions.forEach((member, s) => {
    for (let b = 0; b < backgrounds; b++) {
      const at = (s * backgrounds + b) * size;
      windows.set(x, at);
      for (let j = 0; j < options.segments; j++) {
        if (member[j]) continue;
        for (let lead = 0; lead < leads; lead++) {
          const from = b * size + lead * length;
          windows.set(background.subarray(from + bounds[j], from + bounds[j + 1]), at + lead * length + bounds[j]);
        }
      }
    }
  });
  const out = await evaluate(windows, coalitions.length * backgrounds);
  const value = coalitions.map((_, s) => {
    let sum = 0;
    for (let b = 0; b < backgrounds; b++) sum += out[(s * backgrounds + b) * classes + explained];
    return sum / backgrounds;
  });

  const phi = new Float64Array(options.segments);
  orders.forEach((order, o) => {
    let before = value[0];
    order.forEach((j, i) => {
      const after = i === order.length - 1 ? value[1] : value[prefixes[o][i]];
      phi[j] += (after - before) / orders.length;
      before = after;
    });
  });
  const saliency = new Float64Array(length);
  for (let j = 0; j < options.segments; j++) for (let t = bounds[j]; t < bounds[j + 1]; t++) saliency[t] = phi[j] / (bounds[j + 1] - bounds[j]);
  return { scores, explained, saliency, segments: phi, baseline: value[0] };
}
