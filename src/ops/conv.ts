/**
 * Conv: input [N, Cin, ...spatial], weight [Cout, Cin/group, ...kernel], optional bias
 * [Cout]; each of the N batches on its own. C: 1-D ([N, Cin, T]) and 2-D ([N, Cin, H, W]).
 *
 * Summation order (the C kernels follow it): for each output y[co, t] the accumulator
 * starts at bias[co] (0 without bias), then adds fround(w * x) for input channels of the
 * group in ascending order and, within each, taps in row-major order over the kernel; every
 * add is rounded to float32. Taps that fall into padding are skipped. The loop below is that
 * definition; src/ref/fast/conv.ts computes the same sums several times faster.
 */
import { fail } from '../errors.js';
import type { InputVectors } from './layer.js';
import { type At, type LayerWeights, type Lowering, type StreamStage, cKernel, designated, offset, rowScratchBytes } from './lowering.js';
import type { OpContext, OpDef } from './op.js';
import { type ConvGeometry, convMacs, geometry } from './conv-geometry.js';
import { where } from './shapes.js';
import { convTakesLayer, convToS8 } from './conv-s8.js';
import { tapOffsets, validRanges, type Window1d } from './window.js';

/** The geometry of a Conv the C kernels run: 1-D or 2-D. */
function geometryInC(ctx: OpContext, axes: number[] = [1, 2]): ConvGeometry {
  const g = geometry(ctx);
  if (!axes.includes(g.windows.length)) fail(`${where(ctx.node)}: ${g.windows.length}-D convolution has no C kernel (${axes.join('-D and ')}-D have)`);
  return g;
}

/** ecgc_conv1d_f32 and ecgc_conv2d_f32 read packed rows through ecgc_weights.c. */
const CONV1D_F32 = cKernel('ecgc_conv1d_f32', 'ecgc_conv1d.c', 'ecgc_weights.c');
const CONV2D_F32 = cKernel('ecgc_conv2d_f32', 'ecgc_conv2d.c', 'ecgc_weights.c');

export const Conv: OpDef = {
  op: 'Conv',
  integer: { lower: convToS8, takesLayer: convTakesLayer },
  infer(ctx) {
    return [{ dtype: 'float32', shape: geometry(ctx).outShape }];
  },
  macs: convMacs,
  prepare(ctx) {
    const { windows, batch, inChannels, outChannels, group } = geometry(ctx);
    const { inSize, outSize, taps, offsets } = tapOffsets(windows);
    const inPerGroup = inChannels / group;
    const outPerGroup = outChannels / group;
    const hasBias = ctx.inputs[2] !== undefined;
    const f = Math.fround;
    return ([x, w, bias], [y]) => {
      for (let n = 0; n < batch; n++) {
        const [xn, yn] = [n * inChannels * inSize, n * outChannels * outSize];
        for (let co = 0; co < outChannels; co++) {
          const firstChannel = Math.floor(co / outPerGroup) * inPerGroup;
          for (let o = 0; o < outSize; o++) {
            let acc = hasBias ? bias[co] : 0;
            for (let ci = 0; ci < inPerGroup; ci++) {
              for (let t = 0; t < taps; t++) {
                const at = offsets[o * taps + t];
                if (at >= 0) acc = f(acc + f(w[(co * inPerGroup + ci) * taps + t] * x[xn + (firstChannel + ci) * inSize + at]));
              }
            }
            y[yn + co * outSize + o] = acc;
          }
        }
      }
    };
  },
  affine: (ctx) => ctx.constants[1] !== undefined && (!ctx.inputs[2] || ctx.constants[2] !== undefined),
  gradient(ctx) {
    const { windows, batch, inChannels, outChannels, group } = geometry(ctx);
    const { inSize, outSize, taps, offsets } = tapOffsets(windows);
    const inPerGroup = inChannels / group;
    const outPerGroup = outChannels / group;
    return ([x, w], _outputs, [gy], [gx, gw, gb]) => {
      for (let n = 0; n < batch; n++) {
        const [xn, yn] = [n * inChannels * inSize, n * outChannels * outSize];
        for (let co = 0; co < outChannels; co++) {
          const firstChannel = Math.floor(co / outPerGroup) * inPerGroup;
          for (let o = 0; o < outSize; o++) {
            const g = gy[yn + co * outSize + o];
            if (g === 0) continue;
            if (gb) gb[co] += g;
            for (let ci = 0; ci < inPerGroup; ci++) {
              for (let t = 0; t < taps; t++) {
                const at = offsets[o * taps + t];
                if (at < 0) continue;
                const [wi, xi] = [(co * inPerGroup + ci) * taps + t, xn + (firstChannel + ci) * inSize + at];
                if (gx) gx[xi] += g * w[wi];
                if (gw) gw[wi] += g * x[xi];
              }
            }
          }
        }
      }
    };
  },
  lower(ctx, _outputs, c) {
    const { batch, windows } = geometryInC(ctx);
    const [kernel, layer, sparseRows] = windows.length === 1 ? [CONV1D_F32, declareLayer(ctx, c), 4] : [CONV2D_F32, declareLayer2d(ctx, c), 5];
    const [inSize, outSize] = [windows.reduce((p, w) => p * w.inLength, 1), windows.reduce((p, w) => p * w.outLength, 1)];
    const [x, y] = [ctx.node.inputs[0], ctx.node.outputs[0]];
    const scratch = { bytes: rowScratchBytes(layer, layer.rowLength, sparseRows), check: `${kernel.name}_get_buffer_size(&${layer.id})` };
    // one call per batch
    const call = (at: At, s: string, n: number) => `${kernel.name}(&${layer.id}, ${offset(at(x), n * layer.inChannels * inSize)}, ${offset(at(y), n * layer.outChannels * outSize)}, ${s});`;
    c.step([kernel], (at, s) => Array.from({ length: batch }, (_, n) => call(at, s, n)).join('\n  '), { scratch });
  },
  layer: {
    weight: 1,
    bias: 2,
    layout: (_node, shape) => (shape.length < 2 || shape[0] < 1 ? undefined : { rows: shape[0], transposed: false }),
    foldsAffine: () => true,
    inputVectors: (ctx) => convInputVectors(geometry(ctx)),
  },
  stream: {
    stage: {
      // A chain streams [1, C, T] through layers whose weight and bias are constants.
      accepts: (ctx) => ctx.inputs[0]?.shape.length === 3 && ctx.inputs[0].shape[0] === 1 && ctx.constants[1] !== undefined && (!ctx.inputs[2] || ctx.constants[2] !== undefined),
      declare: declareLayer,
    },
  },
};

/**
 * A conv layer's struct of C type `type` in <name>.c: its channels, the fields its windows give
 * (`fields`), whether its weights are sparse, the weights and the bias.
 */
function declareConvLayer(ctx: OpContext, c: Lowering, axes: number, type: string, fields: (g: ConvGeometry) => Record<string, number>) {
  const g = geometryInC(ctx, [axes]);
  if (!ctx.constants[1]) fail(`${where(ctx.node)}: the weight must be a constant to compile to C`);
  const id = c.id('layer');
  const weights = c.weights(id);
  const bias = c.bias(id, 2, g.outChannels);
  c.declare(`static const ${type} ${id} = ${designated({ in_channels: g.inChannels, out_channels: g.outChannels, ...fields(g), sparse: weights.sparse ? 1 : 0, weights: weights.init, bias })};`);
  const rowLength = (g.inChannels / g.group) * g.windows.reduce((taps, w) => taps * w.kernel, 1);
  return { ...weights, id, inChannels: g.inChannels, outChannels: g.outChannels, rowLength, g };
}

/** The layer's ecgc_conv1d_t (in <name>.c), for a step of its own or a stage of a depth-first chain. */
function declareLayer(ctx: OpContext, c: Lowering): StreamStage & LayerWeights {
  const { g, ...layer } = declareConvLayer(ctx, c, 1, 'ecgc_conv1d_t', ({ window: w, group }) => {
    const [innerBegin, innerEnd] = innerRange(w);
    return { in_length: w.inLength, out_length: w.outLength, kernel: w.kernel, stride: w.stride, dilation: w.dilation, pad_begin: w.padBegin, groups: group, inner_begin: innerBegin, inner_end: innerEnd };
  });
  return { ...layer, kernel: g.window.kernel, dilation: g.window.dilation, stride: g.window.stride };
}

/** The outputs [begin, end) along a window's axis whose taps all lie inside the input. */
function innerRange(w: Window1d): [number, number] {
  const { first, end } = validRanges(w);
  const begin = Math.min(w.outLength, Math.max(0, ...first));
  return [begin, Math.max(begin, Math.min(w.outLength, ...end))];
}

/** The layer's ecgc_conv2d_t (in <name>.c). */
function declareLayer2d(ctx: OpContext, c: Lowering): LayerWeights & { id: string; inChannels: number; outChannels: number; rowLength: number } {
  const { g: _g, ...layer } = declareConvLayer(ctx, c, 2, 'ecgc_conv2d_t', ({ windows: [h, w], group }) => {
    const [innerLeft, innerRight] = innerRange(w);
    return {
      in_height: h.inLength, in_width: w.inLength, out_height: h.outLength, out_width: w.outLength, kernel_height: h.kernel, kernel_width: w.kernel,
      stride_height: h.stride, stride_width: w.stride, dilation_height: h.dilation, dilation_width: w.dilation, pad_top: h.padBegin, pad_left: w.padBegin,
      groups: group, inner_left: innerLeft, inner_right: innerRight,
    };
  });
  return layer;
}

/** One vector per output position (of every batch) and group: the taps its window reads, row-major over the kernel (zeros in the padding). */
function convInputVectors({ windows, batch, inChannels, group }: ConvGeometry): InputVectors {
  const { inSize, outSize, taps, offsets } = tapOffsets(windows);
  const inPerGroup = inChannels / group;
  return {
    groups: group,
    perWindow: batch * outSize,
    fill(input, g, v, column, nonzero) {
      const [n, o] = [Math.floor(v / outSize), v % outSize];
      let count = 0;
      for (let c = 0; c < inPerGroup; c++) {
        const channel = (n * inChannels + g * inPerGroup + c) * inSize;
        for (let t = 0; t < taps; t++) {
          const at = offsets[o * taps + t];
          const value = at >= 0 ? input[channel + at] : 0;
          column[c * taps + t] = value;
          if (value !== 0) nonzero[count++] = c * taps + t;
        }
      }
      return count;
    },
  };
}
