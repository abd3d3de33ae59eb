/**
 * How a candidate layer reaches the graph the evaluator's threads run: the constants it
 * writes there, in place.
 *
 * - float32 activations: the threads run the model; a candidate writes its dequantized weights.
 * - int8 activations: the threads run the integer graph (src/quant/integer-graph.ts) of the
 *   activation quantization calibrated before the search; a candidate writes its layer's int8
 *   node's constants (codes, int32 bias, multipliers and shifts), as the plan would run on
 *   the device. A layer the search has not changed yet is there as its float32 choice makes
 *   it in the integer mode (8-bit uniform).
 */
import { fail } from '../errors.js';
import type { Graph, TensorData } from '../ir/graph.js';
import type { IntegerLayer } from '../ops/integer.js';
import { type WeightLayer, layerWeightNames, rowsToStorage, writeRows } from '../plan/layers.js';
import { integerLayerOf } from '../plan/plan.js';
import type { ActivationQuant } from '../quant/activations.js';
import { integerGraph, integerGraphWithTwins } from '../quant/integer-graph.js';
import { scoreGraph } from '../explain/model.js';
import { type Numerics, numericsOf } from '../explain/numerics.js';
import type { RealizedLayer } from './choice.js';

export interface CandidateWeights {
  /** The graph the threads run. */
  readonly graph: Graph;
  /** Every constant a candidate may write (the threads keep their own copies of them). */
  readonly names: string[];
  /** Where in `graph` layer i's node is (a prefix of the graph before it does not depend on the layer). */
  nodeIndex(layerIndex: number): number;
  /** The constants layer i's candidate writes; without one, the layer as the search starts from it. */
  constants(layerIndex: number, candidate: RealizedLayer | undefined): Map<string, TensorData>;
  /** The model with `candidates` (layer index -> candidate) as explanations read it (src/explain/numerics.ts): the device's numbers. */
  numerics(candidates: Map<number, RealizedLayer>): Numerics;
}

/** The model itself, its layers' weights as the candidates dequantize them. */
export function floatWeights(graph: Graph, layers: WeightLayer[]): CandidateWeights {
  const originals = layers.map((l) => new Map(layerWeightNames(l).map((name): [string, TensorData] => [name, graph.constants.get(name)!.data.slice()])));
  const constants = (i: number, candidate: RealizedLayer | undefined) => (candidate ? rowsToStorage(layers[i], candidate.dequantized) : originals[i]);
  return {
    graph,
    names: layers.flatMap(layerWeightNames),
    nodeIndex: (i) => layers[i].nodeIndex,
    constants,
    numerics(candidates) {
      const applied: Graph = { ...graph, constants: new Map(graph.constants) };
      for (const [i, candidate] of candidates) for (const [name, data] of constants(i, candidate)) applied.constants.set(name, { ...graph.constants.get(name)!, data });
      return numericsOf(applied);
    },
  };
}

/**
 * The integer graph of `tensors` (the activations' int8 quantization), every layer at
 * `start(i)` (its float32 choice: 8-bit uniform) until a candidate replaces it.
 */
export function integerWeights(graph: Graph, layers: WeightLayer[], tensors: Map<string, ActivationQuant>, start: (layerIndex: number) => RealizedLayer): CandidateWeights {
  const integer = (candidates: Map<number, RealizedLayer>) => {
    const { applied, integerLayers } = integerInputs(graph, layers, (i) => candidates.get(i) ?? start(i));
    return integerGraph(applied, { tensors, layers: integerLayers });
  };
  const base = integer(new Map());
  const nodes = layers.map((layer) => base.nodes.findIndex((node) => node.name === layer.node));
  const constantsOf = (g: Graph, i: number) => new Map(g.nodes[nodes[i]].inputs.filter((name) => g.constants.has(name)).map((name): [string, TensorData] => [name, g.constants.get(name)!.data]));
  const starts = layers.map((_, i) => constantsOf(base, i));
  const memo = new WeakMap<RealizedLayer, Map<string, TensorData>>();
  return {
    graph: base,
    names: starts.flatMap((m) => [...m.keys()]),
    nodeIndex: (i) => nodes[i],
    numerics(candidates) {
      const { applied, integerLayers } = integerInputs(graph, layers, (i) => candidates.get(i) ?? start(i));
      const lowered = integerGraphWithTwins(applied, { tensors, layers: integerLayers });
      return { graph: scoreGraph(applied), device: scoreGraph(lowered.graph), twins: lowered.twins };
    },
    constants(i, candidate) {
      if (!candidate) return starts[i];
      let written = memo.get(candidate);
      if (!written) {
        const g = integer(new Map([[i, candidate]]));
        if (g.nodes[nodes[i]]?.name !== layers[i].node) fail(`internal: layer '${layers[i].node}' changed the integer graph's nodes`);
        written = constantsOf(g, i);
        memo.set(candidate, written);
      }
      return written;
    },
  };
}

/**
 * What the integer graph of some candidates is built from: the float graph with their weights
 * (dequantized: a layer with no integer form runs them in float32), and their integer layers.
 */
export function integerInputs(graph: Graph, layers: WeightLayer[], candidateOf: (layerIndex: number) => RealizedLayer): { applied: Graph; integerLayers: Map<string, IntegerLayer> } {
  const applied: Graph = { ...graph, constants: new Map(graph.constants) };
  const integerLayers = new Map<string, IntegerLayer>();
  layers.forEach((layer, i) => {
    const r = candidateOf(i);
    for (const name of layerWeightNames(layer)) applied.constants.set(name, { ...graph.constants.get(name)!, data: new Float32Array(graph.constants.get(name)!.data.length) });
    writeRows(applied, layer, r.dequantized);
    const q = r.quantized && integerLayerOf(layer, r.quantized, r.quantizer, r.choice.bits, r.size.encoding);
    if (q) integerLayers.set(layer.node, q);
  });
  return { applied, integerLayers };
}
