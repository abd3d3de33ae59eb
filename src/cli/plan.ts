import { applyPlan, readPlan } from '../plan/plan.js';
import type { Graph } from '../ir/graph.js';
import { loadModel } from '../model/load.js';
import { readFileOrFail } from '../util/files.js';

/** The model as read (`full`), and with --plan applied when given (`graph`; validated against the model's bytes and layers). */
export function loadModelWithPlan(model: string, plan: string | undefined, options: { batch?: 1 } = {}): { full: Graph; graph: Graph } {
  const full = loadModel(model, options);
  return { full, graph: plan === undefined ? full : applyPlan(full, readPlan(plan, full, readFileOrFail(model))) };
}
