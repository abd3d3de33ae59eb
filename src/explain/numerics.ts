/**
 * Whose numbers an explanation reads. The float model's, or a compressed model's: a float32
 * plan's weights as deployed; an int8 plan's device values, the integer graph's int8 twins
 * read back (dequantized) under the float graph's names. Integer kernels have no derivative,
 * so for an int8 plan the gradients come from the plan's weights in float32, at the float32
 * values, and everything else (scores, the chosen class, the maps) from the device's.
 */
import { fail } from '../errors.js';
import { type Graph, type TensorData, windowsPerRun } from '../ir/graph.js';
import { type Plan, applyPlan, applyWeights, integerTwinsOf } from '../plan/plan.js';
import { type ActivationQuant, dequantizer } from '../quant/activations.js';
import { compileTraced } from '../ref/interpreter.js';
import { scoreGraph } from './model.js';

export interface Numerics {
  /** The float32 score graph (src/explain/model.ts): the model's, or with a plan its weights as deployed. */
  graph: Graph;
  /** The score graph the device runs: `graph`, or an int8 plan's integer graph. */
  device: Graph;
  /** For an int8 plan: each float32 value the device holds as int8, its twin's name and quantization. */
  twins?: Map<string, { value: string; quant: ActivationQuant }>;
}

export function numericsOf(model: Graph, plan?: Plan): Numerics {
  if (!plan) {
    const score = scoreGraph(model);
    return { graph: score, device: score };
  }
  const twins = integerTwinsOf(model, plan);
  if (!twins) {
    const applied = scoreGraph(applyPlan(model, plan));
    return { graph: applied, device: applied };
  }
  return { graph: scoreGraph(applyWeights(model, plan).applied), device: scoreGraph(twins.graph), twins: twins.twins };
}

/** The device's graph, run by the reference, with its values readable under the float graph's names. */
export interface DeviceValues {
  batch: number;
  inputSizes: number[];
  run(inputs: TensorData[]): Float32Array[];
  /** A value as the last run left it, dequantized when the device holds it as int8. */
  value(name: string): ArrayLike<number>;
}

export function deviceValues(numerics: Numerics): DeviceValues {
  const traced = compileTraced(numerics.device);
  const computed = new Set([...numerics.device.inputs, ...numerics.device.nodes.flatMap((n) => n.outputs)]);
  return {
    batch: windowsPerRun(numerics.device),
    inputSizes: traced.inputSizes,
    run: (inputs) => traced.run(inputs),
    value(name) {
      const twin = numerics.twins?.get(name);
      if (!twin) {
        if (!computed.has(name)) fail(`the int8 plan holds no value '${name}' on the device (an op folded it into its neighbour); choose another --layer`);
        return traced.value(name);
      }
      const q = traced.value(twin.value);
      const real = dequantizer(twin.quant);
      return Float32Array.from(q, real);
    },
  };
}
