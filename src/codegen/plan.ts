/** A compression plan (src/plan/plan.ts) as the C backend's per-layer quantization. */
import { fail } from '../errors.js';
import { type Plan, compiledGraphOf, quantizerSpec, readPlan } from '../plan/plan.js';
import type { Graph } from '../ir/graph.js';
import { readFileOrFail } from '../util/files.js';
import type { LayerReport } from './lower.js';
import type { LayerQuantization } from './weights.js';

export function quantizationFromPlan(plan: Plan): Map<string, LayerQuantization> {
  return new Map(
    plan.layers.map((entry): [string, LayerQuantization] =>
      entry.quantizer === 'float32'
        ? [entry.node, { float32Threshold: entry.threshold }]
        : [entry.node, { spec: quantizerSpec(entry, entry.quantizer), encoding: entry.encoding === 'float32' ? undefined : entry.encoding }],
    ),
  );
}

/**
 * Reads and validates --plan for `model` (refusing a plan for another model): the graph to
 * compile (the model's, or for an int8 plan its integer graph) and its layers' quantization.
 */
export function loadPlan(planFile: string, model: string, graph: Graph): { plan: Plan; quantization: Map<string, LayerQuantization>; graph: Graph } {
  const plan = readPlan(planFile, graph, readFileOrFail(model));
  return { plan, quantization: quantizationFromPlan(plan), graph: compiledGraphOf(graph, plan) };
}

/** The emitted bytes of every layer must be those the plan predicted: both come from src/pack. */
export function checkPredictedBytes(plan: Plan, layers: LayerReport[]): void {
  for (const entry of plan.layers) {
    const emitted = layers.find((l) => l.node === entry.node);
    if (!emitted || emitted.size.total !== entry.bytes.total) {
      fail(`internal: layer '${entry.node}' emits ${emitted?.size.total} bytes, the plan predicted ${entry.bytes.total}`);
    }
  }
}
