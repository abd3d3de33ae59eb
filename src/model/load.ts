/** Reads an ONNX file and runs the import passes: the graph every later stage works on. */
import { fail, inFile } from '../errors.js';
import { readModelFile } from '../onnx/import.js';
import { type Graph, shapeText } from '../ir/graph.js';
import { eliminateIdentities } from './passes/eliminate-identities.js';
import { foldBatchNorm } from './passes/fold-batch-norm.js';
import { inferAndFold } from './passes/infer-and-fold.js';
import { removeUnused } from './passes/remove-unused.js';

export function optimize(graph: Graph): Graph {
  let g = eliminateIdentities(graph);
  g = inferAndFold(g);
  g = eliminateIdentities(g); // again, for those that inlined If branches leave
  g = foldBatchNorm(g);
  return removeUnused(g);
}

export function loadModel(file: string): Graph {
  const graph = inFile(file, () => optimize(readModelFile(file)));
  for (const name of graph.outputs) {
    const info = graph.values.get(name);
    if (!info) fail(`${file}: graph output '${name}' is not produced by any node`);
    if (info.shape.length === 0 || info.shape[0] !== 1) {
      fail(`${file}: graph output '${name}' has shape ${shapeText(info.shape)}, without the batch as its first dimension; ecgc expects batch-first outputs`);
    }
  }
  return graph;
}

