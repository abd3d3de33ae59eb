/** Reads an ONNX file and runs the import passes: the graph every later stage works on. */
import { fail, inFile } from '../errors.js';
import { readModelFile } from '../onnx/import.js';
import { type Graph, shapeText, windowsPerRun } from '../ir/graph.js';
import { absorbQuantization, isQuantizationOp, isQuantized, takeQuantization } from './passes/absorb-quantization.js';
import { eliminateIdentities } from './passes/eliminate-identities.js';
import { foldBatchNorm } from './passes/fold-batch-norm.js';
import { fuseGelu } from './passes/fuse-gelu.js';
import { inferAndFold } from './passes/infer-and-fold.js';
import { rebatch } from './passes/rebatch.js';
import { removeUnused } from './passes/remove-unused.js';

export function optimize(graph: Graph): Graph {
  let g = eliminateIdentities(graph);
  const quantized = isQuantized(g);
  g = inferAndFold(g, quantized ? isQuantizationOp : undefined);
  const { graph: unquantized, taken } = quantized ? takeQuantization(g) : { graph: g };
  if (taken) g = inferAndFold(unquantized);
  g = eliminateIdentities(g); // again, for those that inlined If branches leave
  g = foldBatchNorm(g);
  g = fuseGelu(g);
  g = removeUnused(g);
  return taken ? removeUnused(absorbQuantization(g, taken)) : g;
}

/**
 * A model for the commands that feed it windows (run, eval, compress, compile, ...): its
 * inputs share a leading batch N (a symbolic batch is read as 1; with `batch: 1` a fixed
 * batch is rewritten to 1, rebatch.ts), and its outputs lead with the same N: one run takes
 * N windows (windowsPerRun).
 */
export function loadModel(file: string, options: { batch?: 1 } = {}): Graph {
  const imported = readModelFile(file);
  const fixed = imported.values.get(imported.inputs[0])?.shape[0];
  const graph = inFile(file, () => optimize(batchFirstInputs(options.batch === 1 ? rebatch(imported) : imported, file)));
  const batch = windowsPerRun(graph);
  for (const name of graph.outputs) {
    const info = graph.values.get(name);
    if (!info) fail(`${file}: graph output '${name}' is not produced by any node`);
    if (info.shape.length === 0 || info.shape[0] !== batch) {
      const producer = graph.nodes.find((node) => node.outputs.includes(name));
      const keeper = producer ? `node '${producer.name}' (${producer.op})` : 'a constant';
      const cause = options.batch === 1 && fixed !== 1 ? `--batch 1 cannot rewrite the graph's batch of ${fixed} there (${keeper} keeps it)` : `ecgc expects batch-first outputs (${keeper} makes it)`;
      fail(`${file}: graph output '${name}' has shape ${shapeText(info.shape)}, without the batch ${batch} as its first dimension; ${cause}`);
    }
  }
  return graph;
}

function batchFirstInputs(graph: Graph, file: string): Graph {
  const batch = windowsPerRun(graph);
  for (const name of graph.inputs) {
    const { shape, dtype } = graph.values.get(name)!;
    if (dtype !== 'float32') fail(`${file}: graph input '${name}' has element type ${dtype}; ecgc models take float32 input`);
    if (shape.length < 2) fail(`${file}: graph input '${name}' has rank ${shape.length}; ecgc expects a batch dimension followed by the sample's dimensions, e.g. [N, C, T]`);
    if (shape[0] !== batch) fail(`${file}: graph inputs '${graph.inputs[0]}' and '${name}' have different batches (${batch} and ${shape[0]}); ecgc feeds every input the same windows`);
    if (shape[0] < 1) fail(`${file}: graph input '${name}' has a batch of 0; it takes no windows`);
  }
  return graph;
}
