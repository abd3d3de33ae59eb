/**
 * What LSTM, GRU and RNN share: inputs X, W, R, B, sequence_lens, initial_h (LSTM: and
 * initial_c), outputs Y, Y_h (LSTM: and Y_c), directions, layouts, the refusals, the
 * reference's loops, the C lowering and the compressible layer. Each op's file holds its
 * cell: the gates' math for one time step.
 *
 * Summation order (the reference and runtime-c/ecgc_recurrent.c alike): for gate row r of a
 * direction, the input part is gx = Wb[r] (0 without B), then gx = fround(gx + fround(x[i] * W[r, i]))
 * for i ascending; the recurrent part gh = Rb[r] likewise over h[j] * R[r, j], j ascending.
 * The cells combine them as their files say; sigmoid and tanh are approx.ts's.
 *
 * For compression W and R are one layer: row r of direction d is W[d, r, :] followed by
 * R[d, r, :] (LayerDef.joined), so a row's scale covers the gate unit's input and
 * recurrent weights, and the C reads each row once per time step.
 */
import { fail } from '../errors.js';
import { attrInt, attrString } from '../onnx/attributes.js';
import { type ValueInfo, shapeText } from '../ir/graph.js';
import { type CKernel, type Lowering, cKernel, designated, rowScratchBytes } from './lowering.js';
import type { GradientKernel } from './gradient.js';
import type { LayerDef } from './layer.js';
import type { Kernel, OpContext, OpDef } from './op.js';
import { inputShape, requireRank, where } from './shapes.js';

/** ONNX's input order of LSTM (GRU and RNN stop after initial_h). */
export const INPUT = { x: 0, w: 1, r: 2, bias: 3, sequenceLens: 4, initialH: 5, initialC: 6, peepholes: 7 };

export interface RecurrentGeometry {
  seqLength: number;
  batch: number;
  inputSize: number;
  hiddenSize: number;
  /** 1 or 2 (bidirectional: forward, then reverse). */
  directions: number;
  /** With one direction: whether it runs from the last time step to the first. */
  reverse: boolean;
  /** layout = 1: X [batch, seq, input], Y [batch, seq, directions, hidden], states [batch, directions, hidden]. */
  batchFirst: boolean;
}

/** The gates' math of one op for one time step of one direction and batch element. */
export interface Cell {
  op: string;
  gates: number;
  /** Whether the op has a cell state (LSTM's initial_c and Y_c). */
  cellState: boolean;
  /** Whether the C keeps r * h per batch element in scratch (GRU). */
  resetHidden?: boolean;
  /** The activations of one direction that the cell implements (ONNX's defaults). */
  activations: string[];
  /** Refuses the op's own attributes that the cell does not implement. */
  check?(ctx: OpContext): void;
  /** ecgc_recurrent_t fields of the op's own (GRU's linear_before_reset). */
  fields?(ctx: OpContext): Record<string, number>;
  /** The time step for this node: updates h (and c) from the input part of every gate row and the recurrent part, which `recurrent` computes for rows [from, to) from a vector of hidden_size. */
  step(ctx: OpContext, hiddenSize: number): (s: CellStep) => void;
  /** The reverse of one time step (explanations' gradients, src/ops/gradient.ts), in float64. */
  backward(ctx: OpContext, hiddenSize: number): (s: CellBackward) => void;
}

/**
 * One time step backwards: from the step's inputs (gx, the state before it) and the gradient
 * of the state after it (dh, dc), the gradient of every gate row's input part (dgx, which X
 * gets through W) and of the state before it (dh, dc, overwritten).
 */
export interface CellBackward {
  gx: Float32Array;
  /** As in CellStep: the recurrent part of rows [from, to) from `v`, into gh. */
  recurrent(from: number, to: number, v: Float32Array): void;
  gh: Float32Array;
  /** Adds to dv[j] the sum over rows [from, to) of d[row] * R[row, j]: the reverse of `recurrent`. */
  recurrentBack(from: number, to: number, d: Float64Array, dv: Float64Array): void;
  h: Float32Array;
  c: Float32Array;
  dh: Float64Array;
  dc: Float64Array;
  dgx: Float64Array;
}

export interface CellStep {
  /** gx[r], the input part of gate row r. */
  gx: Float32Array;
  /** Writes the recurrent part of rows [from, to) into gh[from..to) from `v` (h, or GRU's r * h). */
  recurrent(from: number, to: number, v: Float32Array): void;
  gh: Float32Array;
  h: Float32Array;
  c: Float32Array;
}

export function geometry(ctx: OpContext, cell: Cell): RecurrentGeometry {
  const { node } = ctx;
  const x = requireRank(ctx, INPUT.x, [3], 'X');
  const w = requireRank(ctx, INPUT.w, [3], 'W');
  const r = requireRank(ctx, INPUT.r, [3], 'R');
  const layout = attrInt(node, 'layout', 0);
  if (layout !== 0 && layout !== 1) fail(`${where(node)}: layout ${layout} is not 0 or 1`);
  const batchFirst = layout === 1;
  const [seqLength, batch, inputSize] = batchFirst ? [x[1], x[0], x[2]] : x;
  const direction = attrString(node, 'direction', 'forward');
  if (!['forward', 'reverse', 'bidirectional'].includes(direction)) fail(`${where(node)}: direction '${direction}' is not forward, reverse or bidirectional`);
  const directions = direction === 'bidirectional' ? 2 : 1;
  const hiddenSize = node.attrs.hidden_size === undefined ? r[2] : attrInt(node, 'hidden_size');
  const rows = cell.gates * hiddenSize;
  const expect = (what: string, shape: number[], wanted: number[]) => {
    if (shapeText(shape) !== shapeText(wanted)) fail(`${where(node)}: ${what} has shape ${shapeText(shape)}, expected ${shapeText(wanted)} (${direction}, hidden_size ${hiddenSize})`);
  };
  expect('W', w, [directions, rows, inputSize]);
  expect('R', r, [directions, rows, hiddenSize]);
  if (ctx.inputs[INPUT.bias]) expect('B', inputShape(ctx, INPUT.bias), [directions, 2 * rows]);
  const states = batchFirst ? [batch, directions, hiddenSize] : [directions, batch, hiddenSize];
  if (ctx.inputs[INPUT.initialH]) expect('initial_h', inputShape(ctx, INPUT.initialH), states);
  if (cell.cellState && ctx.inputs[INPUT.initialC]) expect('initial_c', inputShape(ctx, INPUT.initialC), states);
  checkFeatures(ctx, cell, seqLength, directions);
  return { seqLength, batch, inputSize, hiddenSize, directions, reverse: direction === 'reverse', batchFirst };
}

/** One line naming the node and the feature for every feature the kernels do not implement. */
function checkFeatures(ctx: OpContext, cell: Cell, seqLength: number, directions: number): void {
  const { node } = ctx;
  const refuse = (feature: string) => fail(`${where(node)}: ${feature} is not supported`);
  const activations = node.attrs.activations;
  const defaults = Array.from({ length: directions }, () => cell.activations).flat();
  if (activations !== undefined && (!Array.isArray(activations) || activations.join() !== defaults.join())) {
    refuse(`activations ${JSON.stringify(activations)} (only the defaults ${defaults.join(', ')})`);
  }
  if (node.attrs.clip !== undefined) refuse('clip');
  const lengths = ctx.inputs[INPUT.sequenceLens] ? ctx.constants[INPUT.sequenceLens] : undefined;
  if (ctx.inputs[INPUT.sequenceLens] && (!lengths || Array.from(lengths.data, Number).some((n) => n !== seqLength))) {
    refuse(`sequence_lens other than a constant full length ${seqLength} (variable sequence lengths)`);
  }
  cell.check?.(ctx);
}

/** The shapes of Y, Y_h (and Y_c). */
export function inferRecurrent(ctx: OpContext, cell: Cell): ValueInfo[] {
  const g = geometry(ctx, cell);
  const [T, B, D, H] = [g.seqLength, g.batch, g.directions, g.hiddenSize];
  const state = { dtype: 'float32' as const, shape: g.batchFirst ? [B, D, H] : [D, B, H] };
  const y = { dtype: 'float32' as const, shape: g.batchFirst ? [B, T, D, H] : [T, D, B, H] };
  return cell.cellState ? [y, state, state] : [y, state];
}

/** Flat offsets into X, Y and the states, by layout. */
function offsets(g: RecurrentGeometry) {
  const [T, B, D, H, I] = [g.seqLength, g.batch, g.directions, g.hiddenSize, g.inputSize];
  return {
    x: (t: number, b: number) => (g.batchFirst ? b * T + t : t * B + b) * I,
    y: (t: number, d: number, b: number) => (g.batchFirst ? (b * T + t) * D + d : (t * D + d) * B + b) * H,
    state: (d: number, b: number) => (g.batchFirst ? b * D + d : d * B + b) * H,
  };
}

/**
 * A direction's two parts of the gate rows (see the header): `input` writes every row's input
 * part for the time step whose X starts at `xt`, `recurrent` rows [from, to) of the recurrent
 * part from `v` into gh. The reference and the reverse pass share them.
 */
function directionParts(g: RecurrentGeometry, cell: Cell, [x, w, r, bias]: ArrayLike<number>[], d: number, gh: Float32Array) {
  const [H, I, rows] = [g.hiddenSize, g.inputSize, cell.gates * g.hiddenSize];
  const f = Math.fround;
  return {
    input(xt: number, gx: Float32Array): void {
      for (let row = 0; row < rows; row++) {
        let acc = bias?.length ? bias[2 * d * rows + row] : 0;
        for (let i = 0; i < I; i++) acc = f(acc + f(x[xt + i] * w[(d * rows + row) * I + i]));
        gx[row] = acc;
      }
    },
    recurrent(from: number, to: number, v: Float32Array): void {
      for (let row = from; row < to; row++) {
        let acc = bias?.length ? bias[(2 * d + 1) * rows + row] : 0;
        for (let j = 0; j < H; j++) acc = f(acc + f(v[j] * r[(d * rows + row) * H + j]));
        gh[row] = acc;
      }
    },
  };
}

/** The reference: each direction and batch element on its own, time steps in the direction's order. */
export function prepareRecurrent(ctx: OpContext, cell: Cell): Kernel {
  const g = geometry(ctx, cell);
  const [T, B, D, H] = [g.seqLength, g.batch, g.directions, g.hiddenSize];
  const rows = cell.gates * H;
  const at = offsets(g);
  const step = cell.step(ctx, H);
  return (inputs, [y, yH, yC]) => {
    const h0 = inputs[INPUT.initialH];
    const c0 = cell.cellState ? inputs[INPUT.initialC] : undefined;
    const [gx, gh, h, c] = [new Float32Array(rows), new Float32Array(rows), new Float32Array(H), new Float32Array(H)];
    for (let d = 0; d < D; d++) {
      const reverse = d === 1 || g.reverse;
      const { input, recurrent } = directionParts(g, cell, inputs, d, gh);
      for (let b = 0; b < B; b++) {
        for (let j = 0; j < H; j++) {
          h[j] = h0?.length ? h0[at.state(d, b) + j] : 0;
          c[j] = c0?.length ? c0[at.state(d, b) + j] : 0;
        }
        for (let s = 0; s < T; s++) {
          const t = reverse ? T - 1 - s : s;
          input(at.x(t, b), gx);
          step({ gx, gh, recurrent, h, c });
          if (y?.length) y.set(h, at.y(t, d, b));
        }
        if (yH?.length) yH.set(h, at.state(d, b));
        if (yC?.length) yC.set(c, at.state(d, b));
      }
    }
  };
}

/**
 * The reverse pass through time (the gradient of X and of the initial states; W, R and B are
 * constants): each direction and batch element runs forward again keeping the state before
 * every step, then the cell's backward runs from the last step to the first.
 */
export function recurrentGradient(ctx: OpContext, cell: Cell): GradientKernel {
  const g = geometry(ctx, cell);
  const [T, B, D, H, I] = [g.seqLength, g.batch, g.directions, g.hiddenSize, g.inputSize];
  const rows = cell.gates * H;
  const at = offsets(g);
  const step = cell.step(ctx, H);
  const back = cell.backward(ctx, H);
  return (inputs, _outputs, [gy, gyH, gyC], grads) => {
    const [w, r] = [inputs[INPUT.w], inputs[INPUT.r]];
    const h0 = inputs[INPUT.initialH];
    const c0 = cell.cellState ? inputs[INPUT.initialC] : undefined;
    const [dx, dh0, dc0] = [grads[INPUT.x], grads[INPUT.initialH], cell.cellState ? grads[INPUT.initialC] : undefined];
    const [gh, h, c] = [new Float32Array(rows), new Float32Array(H), new Float32Array(H)];
    const gxs = new Float32Array(T * rows);
    const [hs, cs] = [new Float32Array(T * H), new Float32Array(T * H)];
    const [dh, dc, dgx] = [new Float64Array(H), new Float64Array(H), new Float64Array(rows)];
    for (let d = 0; d < D; d++) {
      const reverse = d === 1 || g.reverse;
      const { input, recurrent } = directionParts(g, cell, inputs, d, gh);
      const recurrentBack = (from: number, to: number, dRows: Float64Array, dv: Float64Array) => {
        for (let row = from; row < to; row++) if (dRows[row] !== 0) for (let j = 0; j < H; j++) dv[j] += dRows[row] * r[(d * rows + row) * H + j];
      };
      for (let b = 0; b < B; b++) {
        for (let j = 0; j < H; j++) {
          h[j] = h0?.length ? h0[at.state(d, b) + j] : 0;
          c[j] = c0?.length ? c0[at.state(d, b) + j] : 0;
        }
        // forward again, keeping each step's input part and the state before it
        for (let s = 0; s < T; s++) {
          const gx = gxs.subarray(s * rows, (s + 1) * rows);
          input(at.x(reverse ? T - 1 - s : s, b), gx);
          hs.set(h, s * H);
          cs.set(c, s * H);
          step({ gx, gh, recurrent, h, c });
        }
        for (let j = 0; j < H; j++) {
          dh[j] = gyH?.length ? gyH[at.state(d, b) + j] : 0;
          dc[j] = gyC?.length ? gyC[at.state(d, b) + j] : 0;
        }
        for (let s = T - 1; s >= 0; s--) {
          const t = reverse ? T - 1 - s : s;
          if (gy?.length) for (let j = 0; j < H; j++) dh[j] += gy[at.y(t, d, b) + j];
          h.set(hs.subarray(s * H, (s + 1) * H));
          c.set(cs.subarray(s * H, (s + 1) * H));
          dgx.fill(0);
          back({ gx: gxs.subarray(s * rows, (s + 1) * rows), recurrent, gh, recurrentBack, h, c, dh, dc, dgx });
          if (dx) {
            const xt = at.x(t, b);
            for (let row = 0; row < rows; row++) if (dgx[row] !== 0) for (let i = 0; i < I; i++) dx[xt + i] += dgx[row] * w[(d * rows + row) * I + i];
          }
        }
        for (let j = 0; j < H; j++) {
          if (dh0) dh0[at.state(d, b) + j] += dh[j];
          if (dc0) dc0[at.state(d, b) + j] += dc[j];
        }
      }
    }
  };
}

/** W and R as one layer: rows = directions x gates x hidden_size, each W's row then R's. */
export const recurrentLayer: LayerDef = {
  weight: INPUT.w,
  joined: INPUT.r,
  bias: INPUT.bias,
  layout: (_node, shape) => (shape.length !== 3 || shape[0] * shape[1] < 1 ? undefined : { rows: shape[0] * shape[1], transposed: false }),
  foldsAffine: () => false,
  inputVectors: () => null,
};

/** The C: one step writing every output the graph reads (ecgc_<op>_f32). */
export function lowerRecurrent(ctx: OpContext, c: Lowering, cell: Cell, kernel: CKernel): void {
  const g = geometry(ctx, cell);
  const { node } = ctx;
  const id = c.id('layer');
  const weights = c.weights(id);
  const bias = ctx.inputs[INPUT.bias] ? c.bias(id, INPUT.bias, 2 * g.directions * cell.gates * g.hiddenSize) : 'NULL';
  const fields = {
    seq_length: g.seqLength, batch: g.batch, input_size: g.inputSize, hidden_size: g.hiddenSize, directions: g.directions,
    reverse: g.reverse ? 1 : 0, batch_first: g.batchFirst ? 1 : 0, ...cell.fields?.(ctx), sparse: weights.sparse ? 1 : 0,
    weights: weights.init, bias,
  };
  c.declare(`static const ecgc_recurrent_t ${id} = ${designated(fields)};`);
  const states = cell.cellState ? [INPUT.initialH, INPUT.initialC] : [INPUT.initialH];
  const written = node.outputs.filter((name) => name !== '');
  const scratch = { bytes: recurrentScratchBytes(g, cell, rowScratchBytes(weights, g.inputSize + g.hiddenSize, 2)), check: `${kernel.name}_get_buffer_size(&${id})` };
  c.step(
    [kernel],
    (at, s) => {
      const operand = (index: number) => (node.inputs[index] ? c.operand(node.inputs[index], at) : 'NULL');
      const outputs = inferRecurrent(ctx, cell).map((_, i) => (node.outputs[i] ? at(node.outputs[i]) : 'NULL'));
      return `${kernel.name}(&${id}, ${at(node.inputs[INPUT.x])}, ${states.map(operand).join(', ')}, ${outputs.join(', ')}, ${s});`;
    },
    { scratch, outputs: written },
  );
}

/** runtime-c's ecgc_<op>_f32_get_buffer_size: states, both parts of every gate row per batch element, GRU's r * h, and the row decoding's. */
function recurrentScratchBytes(g: RecurrentGeometry, cell: Cell, rowBytes: number): number {
  const H = g.hiddenSize;
  const states = (cell.cellState ? 2 : 1) * g.directions * g.batch * H;
  const gates = 2 * g.batch * cell.gates * H;
  const resetHidden = cell.resetHidden ? g.batch * H : 0;
  return 4 * (states + gates + resetHidden) + rowBytes;
}

/** An op's definition from its cell. */
export function recurrentOp(cell: Cell, cName: string): OpDef {
  const kernel = cKernel(cName, 'ecgc_recurrent.c', 'ecgc_weights.c');
  return {
    op: cell.op,
    infer: (ctx) => inferRecurrent(ctx, cell),
    macs(ctx) {
      const g = geometry(ctx, cell);
      return g.directions * g.seqLength * g.batch * cell.gates * g.hiddenSize * (g.inputSize + g.hiddenSize);
    },
    prepare: (ctx) => prepareRecurrent(ctx, cell),
    gradient: (ctx) => recurrentGradient(ctx, cell),
    lower: (ctx, _outputs, c) => lowerRecurrent(ctx, c, cell, kernel),
    layer: recurrentLayer,
  };
}
