/**
 * Conv's reference for 1-D, fast: the sums of src/ops/conv.ts, bit for bit (the suite checks),
 * several times faster. The interior outputs (all taps inside the input) run four at a time in
 * WebAssembly SIMD (simd.ts) or through JavaScript generated per shape with the weights in
 * locals; the edges check each tap. Each output's partial sum stays in a register across
 * the K taps of one input channel, which does not change any output's order.
 */
import type { TensorData } from '../../ir/graph.js';
import type { Kernel, OpContext } from '../../ops/op.js';
import { Conv } from '../../ops/conv.js';
import { geometry } from '../../ops/conv-geometry.js';
import { validRanges, type Window1d } from '../../ops/window.js';
import { simdConv } from './simd.js';

export function prepareConv(ctx: OpContext): Kernel {
  const { windows, window, batch, inChannels, outChannels } = geometry(ctx);
  if (windows.length !== 1) return Conv.prepare(ctx, []); // 2-D and up: the definition itself
  const one = prepareOneBatch(ctx);
  if (batch === 1) return one;
  const [xSize, ySize] = [inChannels * window.inLength, outChannels * window.outLength];
  return ([x, w, bias], [y]) => {
    for (let n = 0; n < batch; n++) one([x.subarray(n * xSize, (n + 1) * xSize), w, bias], [y.subarray(n * ySize, (n + 1) * ySize)]);
  };
}

function prepareOneBatch(ctx: OpContext): Kernel {
  const { window, inChannels, outChannels, group } = geometry(ctx);
  const { first, end } = validRanges(window);
  const { kernel: K, stride, dilation, padBegin, inLength: T, outLength: To } = window;
  const inPerGroup = inChannels / group;
  const outPerGroup = outChannels / group;
  const hasBias = ctx.inputs[2] !== undefined;
  // Outputs in [inner, innerEnd) read only real input for every tap: no bounds checks there.
  const inner = Math.max(0, ...first);
  const innerEnd = Math.max(inner, Math.min(To, ...end));
  // Each pass over an output row adds about TAPS_PER_PASS taps (whole channels at a time).
  const block = Math.max(1, Math.min(inPerGroup, Math.floor(TAPS_PER_PASS / K)));
  const full = interiorKernel(K, stride, dilation, block);
  const rest = interiorKernel(K, stride, dilation, inPerGroup % block || block);
  // The interior four outputs at a time with WebAssembly SIMD (the same sums), the rest in JS.
  // The SIMD kernel reads four consecutive floats per tap: with stride 1 the input as it is;
  // otherwise each channel's taps gathered first, [channel][tap][output] (n = 4 * quads floats a row).
  const simd = simdConv();
  const quads = simd ? Math.floor((innerEnd - inner) / 4) : 0;
  const n = 4 * quads;
  const simdEnd = inner + n;
  const jsOutputs = inner > 0 || simdEnd < To; // outputs left to the scalar code
  const [inputFloats, rowStride, tapStride] = stride === 1 ? [inChannels * T, T, dilation] : [inChannels * K * n, K * n, n];
  return ([x, w, bias], [y]) => {
    // SIMD memory: the input at 0, the weights at W, an output row at Y
    const W = inputFloats;
    const Y = W + w.length;
    const memory = quads > 0 ? simd!.view(Y + n) : undefined;
    if (memory && stride === 1) memory.set(x, 0);
    if (memory && stride !== 1) {
      for (let c = 0, at = 0; c < inChannels; c++) {
        for (let k = 0; k < K; k++) {
          const from = c * T + inner * stride + k * dilation - padBegin;
          for (let j = 0; j < n; j++) memory[at++] = x[from + j * stride];
        }
      }
    }
    if (memory) memory.set(w, W);
    for (let co = 0; co < outChannels; co++) {
      const yBase = co * To;
      y.fill(hasBias ? bias[co] : 0, yBase, yBase + To);
      const ciBase = Math.floor(co / outPerGroup) * inPerGroup;
      for (let ci = 0; ci < inPerGroup && jsOutputs; ci += block) {
        const channels = Math.min(block, inPerGroup - ci);
        const xBase = (ciBase + ci) * T - padBegin;
        const wBase = (co * inPerGroup + ci) * K;
        edgeTaps(x, w, y, yBase, 0, inner, xBase, wBase, channels, window);
        (channels === block ? full : rest)(x, w, y, yBase, simdEnd, innerEnd, xBase, wBase, T);
        edgeTaps(x, w, y, yBase, innerEnd, To, xBase, wBase, channels, window);
      }
      if (memory) {
        memory.fill(hasBias ? bias[co] : 0, Y, Y + n);
        const first = stride === 1 ? ciBase * T - padBegin + inner : ciBase * K * n;
        simd!.run(first, W + co * inPerGroup * K, Y, inPerGroup, rowStride, K, tapStride, quads);
        y.set(memory.subarray(Y, Y + n), yBase + inner);
      }
    }
  };
}

const TAPS_PER_PASS = 8;

type RowKernel = (x: TensorData, w: TensorData, y: TensorData, yBase: number, from: number, to: number, xBase: number, wBase: number, T: number) => void;

/**
 * Adds the taps of `channels` consecutive input channels to outputs [from, to), checking
 * that each tap is inside the input.
 */
function edgeTaps(x: TensorData, w: TensorData, y: TensorData, yBase: number, from: number, to: number, xBase: number, wBase: number, channels: number, window: Window1d): void {
  const { kernel: K, stride, dilation, padBegin, inLength: T } = window;
  const f = Math.fround;
  for (let t = from; t < to; t++) {
    let acc = y[yBase + t];
    for (let c = 0; c < channels; c++) {
      for (let k = 0; k < K; k++) {
        const i = t * stride + k * dilation;
        if (i >= padBegin && i < T + padBegin) acc = f(acc + f(w[wBase + c * K + k] * x[xBase + c * T + i]));
      }
    }
    y[yBase + t] = acc;
  }
}

const interiorKernels = new Map<string, RowKernel>();

/**
 * The same sums for outputs whose taps are all inside the input, generated per (K, stride,
 * dilation, channels): the weights sit in locals and the taps of the block of channels are
 * unrolled, several times faster than generic loops. Only integers reach the source text.
 * Cached, so each shape compiles once.
 */
function interiorKernel(K: number, stride: number, dilation: number, channels: number): RowKernel {
  const key = `${K}/${stride}/${dilation}/${channels}`;
  let kernel = interiorKernels.get(key);
  if (!kernel) {
    const taps = Array.from({ length: channels * K }, (_, j) => ({ j, c: Math.floor(j / K), k: j % K }));
    const source = `return function conv_interior_k${K}_s${stride}_d${dilation}_c${channels}(x, w, y, yBase, from, to, xBase, wBase, T) {
      ${taps.map(({ j }) => `const w${j} = w[wBase + ${j}];`).join('\n')}
      ${Array.from({ length: channels }, (_, c) => `const x${c} = xBase + ${c} * T;`).join('\n')}
      for (let t = from; t < to; t++) {
        const i = t * ${stride};
        let acc = y[yBase + t];
        ${taps.map(({ j, c, k }) => `acc = f(acc + f(w${j} * x[x${c} + i + ${k * dilation}]));`).join('\n')}
        y[yBase + t] = acc;
      }
    };`;
    kernel = new Function('f', source)(Math.fround) as RowKernel;
    interiorKernels.set(key, kernel);
  }
  return kernel;
}
