/** The conv-chain test model shared by the host and Cortex-M backend tests. */
import type { Graph } from '../../src/ir/graph.js';
import type { ModelSpec, NodeSpec } from '../../src/onnx/build.js';
import { graphOf } from './model.js';
import { randomFloats } from './random.js';

export interface ConvCase {
  k: number;
  stride: number;
  dilation: number;
  pads: readonly [number, number];
  group: number;
  cout: number;
  bias: boolean;
}

/** Kernel sizes 1..7, strides 1..3, dilations 1..4, asymmetric padding, grouped and depthwise. */
export const CONV_GEOMETRIES: readonly ConvCase[] = [
  { k: 3, stride: 1, dilation: 1, pads: [1, 1], group: 1, cout: 6, bias: true },
  { k: 5, stride: 2, dilation: 1, pads: [2, 1], group: 2, cout: 6, bias: false },
  { k: 3, stride: 1, dilation: 2, pads: [2, 2], group: 6, cout: 6, bias: true },
  { k: 1, stride: 1, dilation: 1, pads: [0, 0], group: 1, cout: 7, bias: true },
  { k: 7, stride: 3, dilation: 1, pads: [3, 3], group: 1, cout: 5, bias: true },
  { k: 4, stride: 1, dilation: 4, pads: [0, 6], group: 5, cout: 5, bias: false },
  { k: 3, stride: 2, dilation: 1, pads: [0, 0], group: 1, cout: 4, bias: true },
  { k: 2, stride: 1, dilation: 1, pads: [1, 0], group: 2, cout: 4, bias: true },
];

/** The fast reference convolutions' cases (input channels, geometry): the chain's, and wide pointwise, dilated and depthwise layers. */
export const FAST_CONV_CASES: readonly [number, ConvCase][] = [
  ...CONV_GEOMETRIES.map((c) => [c.group * 2, c] as [number, ConvCase]),
  [48, { k: 1, stride: 1, dilation: 1, pads: [0, 0], group: 1, cout: 17, bias: true }],
  [6, { k: 9, stride: 1, dilation: 3, pads: [12, 12], group: 1, cout: 5, bias: false }],
  [16, { k: 5, stride: 1, dilation: 1, pads: [2, 2], group: 16, cout: 16, bias: true }],
];

/**
 * Input [N, 2, length], one Conv + Relu per case (nodes conv0, conv1, ...), then Flatten and a
 * Gemm 'fc' to 3 outputs. With `prune`, every third weight is zero, so the sparse encodings
 * have zeros to skip.
 */
export function convChain(length: number, seed: number, options: { cases?: readonly ConvCase[]; prune?: boolean } = {}): Graph {
  return graphOf(convChainSpec(length, seed, options));
}

/** convChain's model as a spec (buildModel writes its ONNX bytes). */
export function convChainSpec(length: number, seed: number, { cases = CONV_GEOMETRIES, prune = true }: { cases?: readonly ConvCase[]; prune?: boolean } = {}): ModelSpec {
  const nodes: NodeSpec[] = [];
  const initializers: NonNullable<ModelSpec['initializers']> = {};
  let x = 'x';
  let channels = 2;
  let t = length;
  cases.forEach((c, i) => {
    const w = randomFloats((c.cout * channels * c.k) / c.group, seed + i, 0.4);
    if (prune) for (let j = 0; j < w.length; j += 3) w[j] = 0;
    initializers[`w${i}`] = { shape: [c.cout, channels / c.group, c.k], data: w };
    if (c.bias) initializers[`b${i}`] = { shape: [c.cout], data: randomFloats(c.cout, seed + 100 + i) };
    nodes.push({ name: `conv${i}`, op: 'Conv', inputs: c.bias ? [x, `w${i}`, `b${i}`] : [x, `w${i}`], outputs: [`conv${i}`], attrs: { kernel_shape: [c.k], strides: [c.stride], dilations: [c.dilation], pads: [...c.pads], group: c.group } });
    nodes.push({ op: 'Relu', inputs: [`conv${i}`], outputs: [`relu${i}`] });
    x = `relu${i}`;
    channels = c.cout;
    t = Math.floor((t + c.pads[0] + c.pads[1] - c.dilation * (c.k - 1) - 1) / c.stride) + 1;
  });
  nodes.push({ op: 'Flatten', inputs: [x], outputs: ['flat'] });
  initializers.fc = { shape: [3, channels * t], data: randomFloats(3 * channels * t, seed + 999, 0.2) };
  initializers.fcb = { shape: [3], data: [0.1, -0.2, 0.3] };
  nodes.push({ name: 'fc', op: 'Gemm', inputs: ['flat', 'fc', 'fcb'], outputs: ['y'], attrs: { transB: 1 } });
  return { inputs: [{ name: 'x', shape: ['N', 2, length] }], outputs: ['y'], initializers, nodes };
}

/** 2^bits codebook levels, levels[0] = 0 (the codebook quantizer's contract). */
export function codebookLevels(bits: number): number[] {
  return [0, ...Array.from({ length: 2 ** bits - 1 }, (_, i) => (i - (2 ** bits - 2) / 2) * 0.07 + 0.013)];
}
