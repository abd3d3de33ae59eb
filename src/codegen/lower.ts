/**
 * Lowers the IR graph to a schedule of runtime-c kernel calls. Each op reads its attributes
 * and shapes through the same geometry functions as its reference twin in src/ref/ops, so
 * the C computes what the reference computes. Weight-bearing layers (Conv, Gemm, MatMul with
 * a constant operand) are emitted in float32 or, with a quantization, as packed codes; the
 * graph the C must match (the deployed weights in place of the originals) comes back too.
 */
import { fail } from '../errors.js';
import { opContext } from '../ir/context.js';
import { type Graph, type Node, shapeText, sizeOf } from '../ir/graph.js';
import { attrFloat, attrInts } from '../onnx/attributes.js';
import type { OpContext } from '../ref/op.js';
import { averagePoolWindows, geometry as averagePoolGeometry } from '../ref/ops/average-pool.js';
import { geometry as concatGeometry } from '../ref/ops/concat.js';
import { type ConvGeometry, geometry as convGeometry } from '../ref/ops/conv.js';
import { geometry as gatherGeometry } from '../ref/ops/gather.js';
import { geometry as gemmGeometry } from '../ref/ops/gemm.js';
import { geometry as layerNormGeometry } from '../ref/ops/layer-normalization.js';
import { geometry as matMulGeometry } from '../ref/ops/mat-mul.js';
import { geometry as maxPoolGeometry } from '../ref/ops/max-pool.js';
import { geometry as padGeometry } from '../ref/ops/pad.js';
import { constantInput, inputShape, stridesOf, where } from '../ref/ops/shapes.js';
import { geometry as sliceGeometry } from '../ref/ops/slice.js';
import { geometry as softmaxGeometry } from '../ref/ops/softmax.js';
import { geometry as transposeGeometry } from '../ref/ops/transpose.js';
import { validRanges } from '../ref/ops/window.js';
import type { LayerSize } from '../pack/size.js';
import { NameTable, cComment, cFloat } from './names.js';
import { type StreamChain, findStreamChains } from './stream.js';
import { type CArray, type EmittedWeights, type LayerQuantization, emitWeights } from './weights.js';

export interface Step {
  node: string;
  op: string;
  /** Run-time values read, in order. */
  inputs: string[];
  output: string;
  /** The output may take the buffer of inputs[0] when this is its last use. */
  inPlace: boolean;
  scratchBytes: number;
  /** C statements, given where each value lives and the scratch pointer. */
  code: (at: (value: string) => string, scratch: string) => string;
  /** A depth-first chain's ecgc_stream_t (the step can also take its input a column at a time). */
  stream?: string;
}

export interface LayerReport {
  node: string;
  op: string;
  size: LayerSize;
}

export interface Lowered {
  steps: Step[];
  /** Values that are views of another value (same buffer). */
  views: Map<string, string>;
  /** Declarations for model.c (layer parameter structs, small constant arrays). */
  declarations: string[];
  /** Large constant arrays for <name>_weights.c. */
  weights: CArray[];
  layers: LayerReport[];
  /** The graph the C computes: deployed (e.g. dequantized) weights in place of the originals. */
  reference: Graph;
}

/** Ops that run as views in the reference: no C either. */
const VIEWS = new Set(['Reshape', 'Flatten', 'Squeeze', 'Unsqueeze', 'Identity', 'Dropout']);
/** One C function per element-wise op (runtime-c/ecgc_unary.c), so a firmware links only those it uses. */
export const UNARY: Record<string, string> = {
  Relu: 'ecgc_relu', LeakyRelu: 'ecgc_leaky_relu', Clip: 'ecgc_clip', Sigmoid: 'ecgc_sigmoid', Tanh: 'ecgc_tanh',
  Erf: 'ecgc_erf', Sqrt: 'ecgc_sqrt', Reciprocal: 'ecgc_reciprocal', Neg: 'ecgc_neg', Pow: 'ecgc_pow',
};
const BINARY: Record<string, string> = { Add: 'ECGC_ADD', Sub: 'ECGC_SUB', Mul: 'ECGC_MUL', Div: 'ECGC_DIV' };
const MAX_RANK = 6;

export const C_OPS = [...VIEWS, ...Object.keys(UNARY), ...Object.keys(BINARY), 'Conv', 'Gemm', 'MatMul', 'ChannelAffine', 'MaxPool', 'AveragePool', 'GlobalAveragePool', 'GlobalMaxPool', 'ReduceMean', 'Softmax', 'LayerNormalization', 'Transpose', 'Slice', 'Gather', 'Concat', 'Pad', 'Expand', 'Cast'].sort();

/** `layers`: one kernel call per op; `stream`: Conv chains depth first (stream.ts), for RAM. */
export type Schedule = 'layers' | 'stream';

export function lower(graph: Graph, modelName: string, quantization: Map<string, LayerQuantization> = new Map(), schedule: Schedule = 'layers'): Lowered {
  const names = new NameTable(modelName);
  const out: Lowered = { steps: [], views: new Map(), declarations: [], weights: [], layers: [], reference: { ...graph, constants: new Map(graph.constants) } };
  const constantArrays = new Map<string, string>();
  const isConstant = (name: string) => graph.constants.has(name);

  /** A constant read by a kernel: emitted once as a static array in model.c. */
  const constantArray = (name: string): string => {
    let id = constantArrays.get(name);
    if (!id) {
      id = names.take(`c_${name}`);
      const data = graph.constants.get(name)!.data;
      out.declarations.push(`static const float ${id}[${Math.max(1, data.length)}] = {${Array.from(data, cFloat).join(', ') || '0.0f'}}; /* ${cComment(name)} */`);
      constantArrays.set(name, id);
    }
    return id;
  };
  /** Where a kernel reads an input: a run-time value or a constant array. */
  const operand = (name: string, at: (value: string) => string) => (isConstant(name) ? constantArray(name) : at(name));
  const ints = (values: number[]) => `{${values.join(', ')}}`;
  const runtime = (node: Node) => node.inputs.filter((name) => name !== '' && !isConstant(name));

  const push = (node: Node, inPlace: boolean, scratchBytes: number, code: Step['code']) =>
    out.steps.push({ node: node.name, op: node.op, inputs: runtime(node), output: node.outputs[0], inPlace, scratchBytes, code });

  const chains = new Map<Node, StreamChain>();
  if (schedule === 'stream') for (const chain of findStreamChains(graph)) for (const node of chain.nodes) chains.set(node, chain);

  for (const node of graph.nodes) {
    const chain = chains.get(node);
    if (chain) {
      if (node === chain.nodes[0]) lowerStream(chain);
      continue;
    }
    const ctx = opContext(graph, node);
    const outShape = graph.values.get(node.outputs[0])!.shape;
    const outSize = sizeOf(outShape);
    const comment = `/* ${cComment(`${node.name} (${node.op}) -> ${shapeText(outShape)}`)} */`;
    if (node.inputs.some((name) => name !== '' && !isConstant(name) && graph.values.get(name)?.dtype !== 'float32')) {
      fail(`${where(node)}: integer tensors at run time have no C kernel`);
    }

    if (VIEWS.has(node.op) || (node.op === 'Cast' && graph.values.get(node.outputs[0])!.dtype === 'float32')) {
      out.views.set(node.outputs[0], node.inputs[0]);
      continue;
    }

    if (node.op in UNARY) {
      const [a, b] = unaryParameters(ctx);
      push(node, true, 0, (at) => `${comment}\n  ${UNARY[node.op]}(${at(node.inputs[0])}, ${at(node.outputs[0])}, ${outSize}, ${cFloat(a)}, ${cFloat(b)});`);
      continue;
    }

    if (node.op in BINARY) {
      if (outShape.length > MAX_RANK) fail(`${where(node)}: rank ${outShape.length} is above the C kernel's ${MAX_RANK}`);
      const strides = node.inputs.map((name) => broadcastStrides(graph.values.get(name)!.shape, outShape));
      const id = names.take(node.name, 'op');
      out.declarations.push(`static const int32_t ${id}__shape[] = ${ints(outShape.length ? outShape : [1])}, ${id}__a[] = ${ints(strides[0].length ? strides[0] : [0])}, ${id}__b[] = ${ints(strides[1].length ? strides[1] : [0])};`);
      const rank = Math.max(1, outShape.length);
      // In place only when the first operand has the output's shape (no broadcast along it).
      const inPlace = !isConstant(node.inputs[0]) && sizeOf(graph.values.get(node.inputs[0])!.shape) === outSize;
      push(node, inPlace, 0, (at) => `${comment}\n  ecgc_binary(${BINARY[node.op]}, ${operand(node.inputs[0], at)}, ${id}__a, ${operand(node.inputs[1], at)}, ${id}__b, ${at(node.outputs[0])}, ${id}__shape, ${rank});`);
      continue;
    }

    switch (node.op) {
      case 'Conv': {
        const conv = convLayer(node, ctx);
        push(node, false, conv.scratchBytes, (at, s) => `${comment}\n  ecgc_conv1d(&${conv.id}, ${at(node.inputs[0])}, ${at(node.outputs[0])}, ${s});`);
        break;
      }
      case 'Gemm':
      case 'MatMul': {
        const constantSide = node.inputs.slice(0, 2).findIndex(isConstant);
        if (node.op === 'MatMul' && constantSide < 0) {
          const g = matMulGeometry(ctx);
          const [aShape, bShape] = [inputShape(ctx, 0), inputShape(ctx, 1)];
          const step = (shape: number[], size: number) => (sizeOf(shape.slice(0, -2)) === 1 ? 0 : size);
          if (sizeOf(aShape.slice(0, -2)) !== g.batch && sizeOf(aShape.slice(0, -2)) !== 1) fail(`${where(node)}: this batch broadcast has no C kernel`);
          if (sizeOf(bShape.slice(0, -2)) !== g.batch && sizeOf(bShape.slice(0, -2)) !== 1) fail(`${where(node)}: this batch broadcast has no C kernel`);
          push(node, false, 0, (at) => `${comment}\n  ecgc_matmul(${at(node.inputs[0])}, ${at(node.inputs[1])}, ${at(node.outputs[0])}, ${g.batch}, ${g.M}, ${g.K}, ${g.N}, ${step(aShape, g.M * g.K)}, ${step(bShape, g.K * g.N)});`);
          break;
        }
        lowerLinear(node, ctx, comment);
        break;
      }
      case 'ChannelAffine': {
        const shape = inputShape(ctx, 0);
        push(node, true, 0, (at) => `${comment}\n  ecgc_channel_affine(${at(node.inputs[0])}, ${constantArray(node.inputs[1])}, ${constantArray(node.inputs[2])}, ${at(node.outputs[0])}, ${shape[1]}, ${sizeOf(shape.slice(2))});`);
        break;
      }
      case 'MaxPool': {
        const { channels, window: w } = maxPoolGeometry(ctx);
        push(node, false, 0, (at) => `${comment}\n  ecgc_maxpool1d(${at(node.inputs[0])}, ${at(node.outputs[0])}, ${channels}, ${w.inLength}, ${w.outLength}, ${w.kernel}, ${w.stride}, ${w.dilation}, ${w.padBegin});`);
        break;
      }
      case 'AveragePool': {
        const { channels, window: w } = averagePoolGeometry(ctx);
        const id = names.take(`${node.name}_divisor`, 'op');
        out.declarations.push(`static const float ${id}[] = {${Array.from(averagePoolWindows(ctx).divisor, cFloat).join(', ')}};`);
        push(node, false, 0, (at) => `${comment}\n  ecgc_avgpool1d(${at(node.inputs[0])}, ${at(node.outputs[0])}, ${channels}, ${w.inLength}, ${w.outLength}, ${w.kernel}, ${w.stride}, ${w.padBegin}, ${id});`);
        break;
      }
      case 'GlobalAveragePool':
      case 'GlobalMaxPool':
      case 'ReduceMean': {
        const shape = inputShape(ctx, 0);
        const axes = node.op === 'ReduceMean' ? reducedAxes(ctx) : [2];
        const [outer, n, inner] = middleAxis(node, shape, axes);
        const kernel = node.op === 'GlobalMaxPool' ? 'ecgc_reduce_max' : 'ecgc_reduce_mean';
        push(node, false, 0, (at) => `${comment}\n  ${kernel}(${at(node.inputs[0])}, ${at(node.outputs[0])}, ${outer}, ${n}, ${inner});`);
        break;
      }
      case 'Softmax': {
        const { outer, length, inner } = softmaxGeometry(ctx);
        push(node, false, 0, (at) => `${comment}\n  ecgc_softmax(${at(node.inputs[0])}, ${at(node.outputs[0])}, ${outer}, ${length}, ${inner});`);
        break;
      }
      case 'LayerNormalization': {
        const { rows, n, epsilon } = layerNormGeometry(ctx);
        const optional = (i: number) => (ctx.inputs[i] ? constantArray(node.inputs[i]) : 'NULL');
        push(node, false, 0, (at) => `${comment}\n  ecgc_layer_norm(${at(node.inputs[0])}, ${optional(1)}, ${optional(2)}, ${at(node.outputs[0])}, ${rows}, ${n}, ${cFloat(epsilon)});`);
        break;
      }
      case 'Transpose': {
        const { shape, perm, outShape: to } = transposeGeometry(ctx);
        const strides = stridesOf(shape);
        stridedCopy(node, comment, 0, perm.map((p) => strides[p]), to);
        break;
      }
      case 'Slice': {
        const { shape, start, step, outShape: to } = sliceGeometry(ctx);
        const strides = stridesOf(shape);
        stridedCopy(node, comment, start.reduce((sum, s, i) => sum + s * strides[i], 0), step.map((s, i) => s * strides[i]), to);
        break;
      }
      case 'Expand': {
        stridedCopy(node, comment, 0, broadcastStrides(inputShape(ctx, 0), outShape), outShape);
        break;
      }
      case 'Gather': {
        const { shape, axis, values } = gatherGeometry(ctx);
        // Each index copies one slice [after the axis] into its block of the output; that is
        // contiguous when the dimensions before the axis hold one element (the batch).
        if (sizeOf(shape.slice(0, axis)) !== 1) fail(`${where(node)}: Gather behind dimensions larger than 1 has no C kernel`);
        const strides = stridesOf(shape);
        const after = shape.slice(axis + 1);
        const block = sizeOf(after);
        const id = names.take(node.name, 'op');
        const shape1 = after.length ? after : [1];
        out.declarations.push(`static const int32_t ${id}__shape[] = ${ints(shape1)}, ${id}__src[] = ${ints(after.length ? strides.slice(axis + 1) : [0])}, ${id}__dst[] = ${ints(stridesOf(shape1))};`);
        push(node, false, 0, (at) => `${comment}\n${values.map((v, j) => `  ecgc_copy(${at(node.inputs[0])}, ${v * strides[axis]}, ${id}__src, ${at(node.outputs[0])}, ${j * block}, ${id}__dst, ${id}__shape, ${shape1.length});`).join('\n')}`);
        break;
      }
      case 'Concat': {
        const { outer, blocks } = concatGeometry(ctx);
        const outBlock = blocks.reduce((a, b) => a + b, 0);
        const id = names.take(node.name, 'op');
        let offset = 0;
        const parts = node.inputs.map((name, k) => {
          const part = { name, offset, block: blocks[k] };
          offset += blocks[k];
          return part;
        });
        // Input k is an [outer, block_k] matrix copied into columns [offset_k, offset_k + block_k) of the output.
        out.declarations.push(`static const int32_t ${id}__dst[] = {${outBlock}, 1};`);
        parts.forEach((p) => out.declarations.push(`static const int32_t ${id}__shape_${p.offset}[] = {${outer}, ${p.block}}, ${id}__src_${p.offset}[] = {${p.block}, 1};`));
        out.steps.push({
          node: node.name, op: node.op, inputs: node.inputs.filter((n) => !isConstant(n)), output: node.outputs[0], inPlace: false, scratchBytes: 0,
          code: (at) => `${comment}\n${parts.map((p) => `  ecgc_copy(${operand(p.name, at)}, 0, ${id}__src_${p.offset}, ${at(node.outputs[0])}, ${p.offset}, ${id}__dst, ${id}__shape_${p.offset}, 2);`).join('\n')}`,
        });
        break;
      }
      case 'Pad': {
        const { shape, begin, outShape: to, mode, value } = padGeometry(ctx);
        if (shape.length > MAX_RANK) fail(`${where(node)}: rank ${shape.length} is above the C kernel's ${MAX_RANK}`);
        const id = names.take(node.name, 'op');
        out.declarations.push(`static const int32_t ${id}__in[] = ${ints(shape)}, ${id}__out[] = ${ints(to)}, ${id}__begin[] = ${ints(begin)};`);
        const modeEnum = { constant: 'ECGC_PAD_CONSTANT', edge: 'ECGC_PAD_EDGE', reflect: 'ECGC_PAD_REFLECT' }[mode];
        push(node, false, 0, (at) => `${comment}\n  ecgc_pad(${at(node.inputs[0])}, ${id}__in, ${at(node.outputs[0])}, ${id}__out, ${id}__begin, ${shape.length}, ${modeEnum}, ${cFloat(value)});`);
        break;
      }
      default:
        fail(`${where(node)} has no C kernel. Ops the C backend supports: ${C_OPS.join(', ')}`);
    }
  }
  return out;

  /** A Conv layer's parameter struct (declared in model.c) and the scratch ecgc_conv1d needs. */
  function convLayer(node: Node, ctx: OpContext) {
    const g = convGeometry(ctx);
    const w = g.window;
    const { first, end } = validRanges(w);
    const innerBegin = Math.min(w.outLength, Math.max(0, ...first));
    const innerEnd = Math.max(innerBegin, Math.min(w.outLength, ...end));
    const weight = graph.constants.get(node.inputs[1]) ?? fail(`${where(node)}: the weight must be a constant to compile to C`);
    const id = names.take(node.name, 'layer');
    const rowLength = (g.inChannels / g.group) * w.kernel;
    const emitted = layerWeights(node, id, weight.data as Float32Array, g.outChannels, false, g.outChannels);
    const bias = biasArray(node, 2, id, g.outChannels);
    out.declarations.push(`static const ecgc_conv1d_t ${id} = {${g.inChannels}, ${g.outChannels}, ${w.inLength}, ${w.outLength}, ${w.kernel}, ${w.stride}, ${w.dilation}, ${w.padBegin}, ${g.group}, ${innerBegin}, ${innerEnd}, ${emitted.sparse ? 1 : 0}, ${emitted.init}, ${bias}};`);
    return { id, g, rowLength, packed: emitted.packed, sparse: emitted.sparse, scratchBytes: rowScratchBytes(emitted, rowLength, 4) };
  }

  /** A chain run depth first by ecgc_stream (see stream.ts): one step, whose scratch holds the rings. */
  function lowerStream(chain: StreamChain): void {
    const id = names.take(`${chain.nodes[0].name}_stream`, 'stream');
    const stages = chain.stages.map((stage, k) => {
      const conv = convLayer(stage.conv, opContext(graph, stage.conv));
      const post = stage.post.map((op) => {
        if (op.op === 'ChannelAffine') return `{NULL, 0.0f, 0.0f, ${constantArray(op.inputs[1])}, ${constantArray(op.inputs[2])}}`;
        const [a, b] = unaryParameters(opContext(graph, op));
        return `{${UNARY[op.op]}, ${cFloat(a)}, ${cFloat(b)}, NULL, NULL}`;
      });
      if (post.length) out.declarations.push(`static const ecgc_stream_post_t ${id}__post${k}[] = {${post.join(', ')}};`);
      return { ...conv, post: post.length ? `${id}__post${k}` : 'NULL', postCount: post.length };
    });
    const reduce = chain.reduce ? (chain.reduce.op === 'GlobalMaxPool' ? 'ECGC_STREAM_MAX' : 'ECGC_STREAM_MEAN') : 'ECGC_STREAM_NONE';
    out.declarations.push(`static const ecgc_stream_stage_t ${id}__stages[] = {${stages.map((s) => `{&${s.id}, ${s.postCount}, ${s.post}}`).join(', ')}};`);
    out.declarations.push(`static const ecgc_stream_t ${id} = {${stages.length}, ${id}__stages, ${reduce}};`);
    // "first .. last (Stream)": the step comment ecgc bench reads (see src/bench/device.ts)
    const shape = shapeText(graph.values.get(chain.output)!.shape);
    const comment = `/* ${cComment(`${chain.nodes[0].name} .. ${chain.nodes[chain.nodes.length - 1].name} (Stream) -> ${shape}`)} */`;
    out.steps.push({
      node: chain.nodes[0].name, op: 'Stream', inputs: [chain.input], output: chain.output, inPlace: false, scratchBytes: streamScratchBytes(stages),
      code: (at, s) => `${comment}\n  ecgc_stream(&${id}, ${at(chain.input)}, ${at(chain.output)}, ${s});`,
      stream: id,
    });
  }

  function stridedCopy(node: Node, comment: string, offset: number, strides: number[], shape: number[]): void {
    if (shape.length > MAX_RANK) fail(`${where(node)}: rank ${shape.length} is above the C kernel's ${MAX_RANK}`);
    const id = names.take(node.name, 'op');
    const shape1 = shape.length ? shape : [1];
    out.declarations.push(`static const int32_t ${id}__shape[] = ${ints(shape1)}, ${id}__src[] = ${ints(strides.length ? strides : [0])}, ${id}__dst[] = ${ints(stridesOf(shape1))};`);
    push(node, false, 0, (at) => `${comment}\n  ecgc_copy(${at(node.inputs[0])}, ${offset}, ${id}__src, ${at(node.outputs[0])}, 0, ${id}__dst, ${id}__shape, ${shape1.length});`);
  }

  function layerWeights(node: Node, id: string, rowMajor: Float32Array, rows: number, transposed: boolean, biasCount: number): EmittedWeights {
    const emitted = emitWeights(id, cComment(`${node.name} (${node.op})`), rowMajor, rows, biasCount, quantization.get(node.name));
    out.weights.push(...emitted.arrays);
    out.layers.push({ node: node.name, op: node.op, size: emitted.size });
    // The reference computes with the deployed weights, in the graph's own layout.
    const weightName = node.inputs[node.op === 'Conv' ? 1 : node.inputs.findIndex((n) => graph.constants.has(n))];
    const original = graph.constants.get(weightName)!;
    out.reference.constants.set(weightName, { ...original, data: transposed ? transpose(emitted.deployed, rows, rowMajor.length / rows) : emitted.deployed });
    return emitted;
  }

  function biasArray(node: Node, index: number, id: string, count: number): string {
    const name = node.inputs[index];
    if (!name) return 'NULL';
    const bias = graph.constants.get(name) ?? fail(`${where(node)}: the bias must be a constant to compile to C`);
    if (bias.data.length !== count) fail(`${where(node)}: a bias of shape ${shapeText(bias.shape)} has no C kernel (one value per output is needed)`);
    out.weights.push({ name: `${id}__bias`, type: 'float', values: bias.data, comment: cComment(`${node.name} (${node.op}): float32 bias`) });
    return `${id}__bias`;
  }

  function lowerLinear(node: Node, ctx: OpContext, comment: string): void {
    let m: number, k: number, n: number, rowMajor: Float32Array, transposed: boolean;
    const id = names.take(node.name, 'layer');
    let biasIndex = -1;
    if (node.op === 'Gemm') {
      const g = gemmGeometry(ctx);
      if (attrFloat(node, 'alpha', 1) !== 1 || attrFloat(node, 'beta', 1) !== 1 || g.transA) fail(`${where(node)}: Gemm with alpha or beta other than 1, or transA, has no C kernel`);
      const b = graph.constants.get(node.inputs[1]) ?? fail(`${where(node)}: Gemm's B must be a constant to compile to C`);
      [m, k, n] = [g.M, g.K, g.N];
      transposed = !g.transB;
      rowMajor = transposed ? transpose(b.data as Float32Array, k, n) : (b.data as Float32Array);
      if (node.inputs[2]) biasIndex = 2;
    } else {
      const g = matMulGeometry(ctx);
      if (!isConstant(node.inputs[1])) fail(`${where(node)}: MatMul with a constant first operand has no C kernel`);
      const b = graph.constants.get(node.inputs[1])!;
      if (b.shape.length !== 2) fail(`${where(node)}: MatMul with a batched constant has no C kernel`);
      [m, k, n] = [g.batch * g.M, g.K, g.N];
      transposed = true;
      rowMajor = transpose(b.data as Float32Array, k, n);
    }
    const emitted = layerWeights(node, id, rowMajor, n, transposed, biasIndex >= 0 ? n : 0);
    const bias = biasIndex >= 0 ? biasArray(node, biasIndex, id, n) : 'NULL';
    out.declarations.push(`static const ecgc_linear_t ${id} = {${m}, ${k}, ${n}, ${emitted.sparse ? 1 : 0}, ${emitted.init}, ${bias}};`);
    push(node, false, rowScratchBytes(emitted, k, 2), (at, s) => `${comment}\n  ecgc_linear(&${id}, ${at(node.inputs[0])}, ${at(node.outputs[0])}, ${s});`);
  }
}

/**
 * The scratch of a kernel that decodes weights row by row (the C *_get_buffer_size): float32
 * rows are read in place; a dense packed row is decoded into one row of floats; a sparse row
 * needs `sparseRows` rows (values, positions and, for conv1d, offsets and taps).
 */
function rowScratchBytes(emitted: EmittedWeights, rowLength: number, sparseRows: number): number {
  if (emitted.sparse) return sparseRows * rowLength * 4;
  return emitted.packed ? rowLength * 4 : 0;
}

/**
 * ecgc_stream_get_buffer_size: a 24-byte layout; per stage a 16-byte state; two hand-off
 * columns (the widest stage input or the last output); for kernels above 1, a group's taps
 * and where each tap's column is; a decoded row for packed or sparse weights and sparse
 * positions; each stage's ring of (kernel-1)*dilation columns before the newest. All in
 * 4-byte words.
 */
function streamScratchBytes(stages: { g: ConvGeometry; rowLength: number; packed: boolean; sparse: boolean }[]): number {
  const widest = (pick: (s: (typeof stages)[number]) => number) => Math.max(0, ...stages.map(pick));
  const handoff = Math.max(stages[stages.length - 1].g.outChannels, widest((s) => s.g.inChannels));
  const window = widest((s) => (s.g.window.kernel > 1 ? s.rowLength : 0));
  const columns = widest((s) => (s.g.window.kernel > 1 ? s.g.window.kernel : 0));
  const row = widest((s) => (s.packed ? s.rowLength : 0));
  const positions = widest((s) => (s.sparse ? s.rowLength : 0));
  const rings = stages.reduce((sum, s) => sum + (s.g.window.kernel - 1) * s.g.window.dilation * s.g.inChannels, 0);
  return 24 + 16 * stages.length + 4 * (2 * handoff + window + row + positions + columns + rings);
}

function transpose(values: Float32Array, rows: number, cols: number): Float32Array {
  const out = new Float32Array(values.length);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[c * rows + r] = values[r * cols + c];
  return out;
}

/** Strides of `shape` read as `outShape` under broadcasting (0 along broadcast dimensions). */
function broadcastStrides(shape: number[], outShape: number[]): number[] {
  const strides = stridesOf(shape);
  return outShape.map((_, i) => {
    const axis = i - (outShape.length - shape.length);
    return axis < 0 || shape[axis] === 1 ? 0 : strides[axis];
  });
}

/** (a, b) parameters of an element-wise op's C function: LeakyRelu alpha, Clip bounds, Pow exponent. */
function unaryParameters(ctx: OpContext): [number, number] {
  switch (ctx.node.op) {
    case 'LeakyRelu':
      return [attrFloat(ctx.node, 'alpha', 0.01), 0];
    case 'Clip': {
      const bound = (i: number, fallback: number) => (ctx.inputs[i] ? constantInput(ctx, i, i === 1 ? 'min' : 'max').data[0] : fallback);
      const [lo, hi] = [bound(1, -3.4028234663852886e38), bound(2, 3.4028234663852886e38)];
      return [lo, hi];
    }
    case 'Pow':
      return [constantInput(ctx, 1, 'the exponent').data[0], 0];
    default:
      return [0, 0];
  }
}

function reducedAxes(ctx: OpContext): number[] {
  const shape = inputShape(ctx, 0);
  return (attrInts(ctx.node, 'axes') ?? shape.map((_, i) => i)).map((a) => (a < 0 ? a + shape.length : a));
}

/** A reduction over contiguous axes as (outer, n, inner). */
function middleAxis(node: Node, shape: number[], axes: number[]): [number, number, number] {
  const sorted = [...axes].sort((a, b) => a - b);
  if (sorted.some((a, i) => i > 0 && a !== sorted[i - 1] + 1)) fail(`${where(node)}: a reduction over non-adjacent axes has no C kernel`);
  const first = sorted[0] ?? 0;
  const last = sorted.at(-1) ?? shape.length - 1;
  return [sizeOf(shape.slice(0, first)), sizeOf(shape.slice(first, last + 1)), sizeOf(shape.slice(last + 1))];
}
