import { applyPlan, readPlan } from '../compress/plan.js';
import type { Graph } from '../ir/graph.js';
import { loadModel } from '../ir/load.js';
import { readFileOrFail } from '../util/files.js';

/** The model, with --plan applied when given (validated against the model's bytes and layers). */
export function loadModelWithPlan(model: string, plan: string | undefined): Graph {
  const graph = loadModel(model);
  if (plan === undefined) return graph;
  return applyPlan(graph, readPlan(plan, graph, readFileOrFail(model)));
}
