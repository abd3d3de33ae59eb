/**
 * What the integer ops (the *S8 definitions, made by src/quant/integer-graph.ts) share: their
 * requantization and clamp, read from attributes, computed by src/quant/fixed-point.ts in
 * the reference and by runtime-c/ecgc_requantize.h in C.
 *
 * Attributes: input_zero_point, output_zero_point, act_min, act_max (the output clamp, in
 * which ReLU, ReLU6 and Clip are folded); per output channel, the Q31 multipliers and
 * shifts are constant int32 inputs (conv, linear) or attributes (one per tensor).
 */
import { fail } from '../errors.js';
import { attrInt } from '../onnx/attributes.js';
import type { AttrValue, DType, Node } from '../ir/graph.js';
import type { ActivationQuant } from '../quant/activations.js';
import { quantizeMultiplier, requantize } from '../quant/fixed-point.js';
import type { Lowering } from './lowering.js';
import type { OpContext } from './op.js';
import { where } from './shapes.js';

export interface OutputStage {
  inputOffset: number;
  outputOffset: number;
  actMin: number;
  actMax: number;
}

export function outputStage(node: Node): OutputStage {
  return {
    inputOffset: -attrInt(node, 'input_zero_point', 0),
    outputOffset: attrInt(node, 'output_zero_point', 0),
    actMin: attrInt(node, 'act_min', -128),
    actMax: attrInt(node, 'act_max', 127),
  };
}

/** acc requantized, offset and clamped: the int8 a layer writes. */
export function outputValue(acc: number, multiplier: number, shift: number, stage: OutputStage): number {
  return offsetClamped(requantize(acc, multiplier, shift), stage);
}

/** A requantized sum offset and clamped (outputValue's last step). */
export function offsetClamped(requantized: number, { outputOffset, actMin, actMax }: OutputStage): number {
  return Math.min(actMax, Math.max(actMin, requantized + outputOffset));
}

/** The C fields of an output stage (ecgc.h's int8 structs). */
export function outputStageFields(stage: OutputStage): Record<string, number> {
  return { output_offset: stage.outputOffset, act_min: stage.actMin, act_max: stage.actMax };
}

/** The int8 attributes of an op whose output keeps its input's quantization (IntegerForm.keepsQuant): the zero point, and a folded Relu's or Clip's clamp. */
export function keptQuantAttributes(ic: IntegerContext): { zero_point: number; act_min: number; act_max: number } {
  return { zero_point: ic.inputQuant(0).zeroPoint, act_min: ic.output.actMin, act_max: ic.output.actMax };
}

/** keptQuantAttributes as read back from a node. */
export function keptQuant(node: Node): { zero: number; min: number; max: number } {
  return { zero: attrInt(node, 'zero_point', 0), min: attrInt(node, 'act_min', -128), max: attrInt(node, 'act_max', 127) };
}

/** A weight-bearing layer as the integer mode stores it: the plan's codes and per-row scales. */
export interface IntegerLayer {
  /** Row-major codes, one row per output channel (the layer's row view, src/plan/layers.ts). */
  codes: Int32Array;
  rows: number;
  /** Per row: the weight is code * scale (a row pruned to nothing has scale 1: its codes are 0). */
  scales: Float32Array;
  bits: number;
  /** The plan's encoding, when it names one. */
  encoding?: string;
}

/** What an op's integer form (OpDef.integer) builds its int8 node from. */
export interface IntegerContext {
  /** The float node's context. */
  ctx: OpContext;
  /** The int8 value of the node's run-time input i (quantized where it is float32). */
  input(i: number): string;
  inputQuant(i: number): ActivationQuant;
  /** The int8 output's quantization and clamp (a following Relu or Clip folded in). */
  output: { quant: ActivationQuant; actMin: number; actMax: number };
  /** The node's weight as the plan quantizes it; undefined when it is no layer the plan quantized to 1..8 bits. */
  layer(): IntegerLayer | undefined;
  /** A new constant of this node (`suffix` names it); returns its name. */
  constant(suffix: string, dtype: DType, shape: number[], values: ArrayLike<number>): string;
}

/** The int8 node an integer form makes: its op, inputs and attributes (the pass names it and its output). */
export interface IntegerNode {
  op: string;
  inputs: string[];
  attrs: Record<string, AttrValue>;
}

export interface IntegerForm {
  /** The node on int8 activations, or undefined when it runs in float32 (between DequantizeS8 and QuantizeS8). */
  lower(ic: IntegerContext): IntegerNode | undefined;
  /** The output keeps input 0's scale and zero point instead of its own calibration (max pooling: no requantization). */
  keepsQuant?: boolean;
  /**
   * A weight layer's op: whether the node runs its layer on int8, so that a plan stores the
   * layer as the integer kernels do; else it stays float32 (lower is not asked).
   */
  takesLayer?: (ctx: OpContext) => boolean;
}

/** The largest accumulator an int8 layer may reach: int32 with room for the bias. */
const ACCUMULATOR_LIMIT = 2 ** 31 - 1;

/**
 * A layer's bias and requantization as int32 constants (`<node>__bias`, `__multiplier`,
 * `__shift`), and its output stage's attributes: bias[r] = round(b[r] / (s_in * s_w[r]));
 * multiplier and shift stand for s_in * s_w[r] / s_out (TFLite's per-channel parameters).
 */
export function layerRequantization(ic: IntegerContext, layer: IntegerLayer, bias: ArrayLike<number> | undefined): { inputs: string[]; attrs: Record<string, number> } {
  const input = ic.inputQuant(0);
  const rowLength = layer.codes.length / layer.rows;
  const values = { bias: new Int32Array(layer.rows), multiplier: new Int32Array(layer.rows), shift: new Int32Array(layer.rows) };
  for (let r = 0; r < layer.rows; r++) {
    const accumulatorScale = input.scale * layer.scales[r];
    const b = Math.round((bias?.[r] ?? 0) / accumulatorScale);
    if (Math.abs(b) + rowLength * 128 * 255 > ACCUMULATOR_LIMIT) fail(`${where(ic.ctx.node)}: its int8 accumulator could overflow int32 (row ${r}: bias ${b}, ${rowLength} terms); keep it in float32`);
    const { multiplier, shift } = quantizeMultiplier(accumulatorScale / ic.output.quant.scale);
    [values.bias[r], values.multiplier[r], values.shift[r]] = [b, multiplier, shift];
  }
  return {
    inputs: (['bias', 'multiplier', 'shift'] as const).map((name) => ic.constant(name, 'int32', [layer.rows], values[name])),
    attrs: { input_zero_point: input.zeroPoint, output_zero_point: ic.output.quant.zeroPoint, act_min: ic.output.actMin, act_max: ic.output.actMax, bits: layer.bits },
  };
}

/** The largest |acc| * 2^left for which C's short requantization equals the full one (ecgc_requantize.h). */
const SMALL_ACCUMULATOR_LIMIT = 2 ** 30;

/**
 * A layer's int32 tables in C (integer.ts's constants: inputs 2..4 of ConvS8 and LinearS8):
 * the bias with input_offset * (the sum of each row's codes) added, which lets the kernels
 * add plain w * x (ecgc.h), and the multipliers and shifts; small_accumulators when every
 * row's accumulator, |bias| + 128 * sum |w| at most, times 2^left stays below 2^30.
 */
export function lowerRequantization(ctx: OpContext, c: Lowering, id: string): { bias: string; multiplier: string; shift: string; small_accumulators: number } {
  const codes = ctx.constants[1]!.data;
  const [bias, multiplier, shift] = [2, 3, 4].map((i) => ctx.constants[i]?.data);
  const rows = multiplier!.length;
  const rowLength = codes.length / rows;
  const { inputOffset } = outputStage(ctx.node);
  let small = true;
  const folded = Int32Array.from({ length: rows }, (_, r) => {
    let [sum, magnitude] = [0, 0];
    for (let i = r * rowLength; i < (r + 1) * rowLength; i++) [sum, magnitude] = [sum + codes[i], magnitude + Math.abs(codes[i])];
    const b = (bias?.[r] ?? 0) + inputOffset * sum;
    small &&= (Math.abs(b) + 128 * magnitude) * 2 ** Math.max(0, shift![r]) < SMALL_ACCUMULATOR_LIMIT;
    return b;
  });
  return { bias: c.table(id, 'bias', 'int32_t', folded), multiplier: c.table(id, 'multiplier', 'int32_t', multiplier!), shift: c.table(id, 'shift', 'int8_t', shift!), small_accumulators: small ? 1 : 0 };
}
