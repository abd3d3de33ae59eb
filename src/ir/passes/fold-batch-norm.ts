/**
 * BatchNormalization after a Conv (or a Gemm) whose output feeds nothing else is folded
 * into that layer's weights and bias; any other BatchNormalization becomes a per-channel
 * affine op (ChannelAffine: y = x * scale[c] + shift[c]).
 */
import { attrInt } from '../../onnx/attributes.js';
import { batchNormAffine } from '../../ref/ops/batch-normalization.js';
import { opContext } from '../context.js';
import { type Graph, type Node, type Tensor, consumersOf } from '../graph.js';

export function foldBatchNorm(graph: Graph): Graph {
  const consumers = consumersOf(graph);
  const producers = new Map(graph.nodes.flatMap((n) => n.outputs.map((o) => [o, n] as const)));
  const removed = new Set<Node>();
  for (const bn of graph.nodes) {
    if (bn.op !== 'BatchNormalization') continue;
    const { scale, shift } = batchNormAffine(opContext(graph, bn));
    const x = bn.inputs[0];
    const producer = producers.get(x);
    const foldable = producer !== undefined && consumers.get(x)?.length === 1 && !graph.outputs.includes(x);
    if (foldable && producer.op === 'Conv' && foldIntoLayer(graph, producer, scale, shift, 'Conv')) {
      producer.outputs = [bn.outputs[0]];
      removed.add(bn);
      continue;
    }
    if (foldable && producer.op === 'Gemm' && foldIntoLayer(graph, producer, scale, shift, 'Gemm')) {
      producer.outputs = [bn.outputs[0]];
      removed.add(bn);
      continue;
    }
    const scaleName = uniqueName(graph, `${bn.name}.scale`);
    const shiftName = uniqueName(graph, `${bn.name}.shift`);
    addConstant(graph, scaleName, { dtype: 'float32', shape: [scale.length], data: scale });
    addConstant(graph, shiftName, { dtype: 'float32', shape: [shift.length], data: shift });
    bn.op = 'ChannelAffine';
    bn.inputs = [x, scaleName, shiftName];
    bn.outputs = [bn.outputs[0]];
    bn.attrs = {};
  }
  return { ...graph, nodes: graph.nodes.filter((n) => !removed.has(n)) };
}

/**
 * Scales each output channel's weights by scale[c] and sets bias = bias * scale + shift.
 * Products are formed in float64 and rounded once to float32.
 */
function foldIntoLayer(graph: Graph, layer: Node, scale: Float32Array, shift: Float32Array, kind: 'Conv' | 'Gemm'): boolean {
  const weight = graph.constants.get(layer.inputs[1]);
  const biasName = layer.inputs[2] ?? '';
  const bias = biasName === '' ? undefined : graph.constants.get(biasName);
  if (!weight || (biasName !== '' && !bias)) return false;
  const channels = scale.length;
  let channelOf: (flatIndex: number) => number;
  if (kind === 'Conv') {
    const perChannel = weight.data.length / channels;
    channelOf = (i) => Math.floor(i / perChannel);
  } else {
    const alpha = layer.attrs.alpha ?? 1;
    const beta = layer.attrs.beta ?? 1;
    if (alpha !== 1 || beta !== 1 || attrInt(layer, 'transA', 0) !== 0 || weight.shape.length !== 2) return false;
    const transB = attrInt(layer, 'transB', 0) === 1;
    const columns = weight.shape[1];
    channelOf = transB ? (i) => Math.floor(i / columns) : (i) => i % columns;
    if ((transB ? weight.shape[0] : weight.shape[1]) !== channels) return false;
  }
  if (bias && bias.data.length !== channels && bias.data.length !== 1) return false;
  const folded = new Float32Array(weight.data.length);
  for (let i = 0; i < folded.length; i++) folded[i] = weight.data[i] * scale[channelOf(i)];
  const newBias = new Float32Array(channels);
  for (let c = 0; c < channels; c++) {
    const b = bias ? bias.data[bias.data.length === 1 ? 0 : c] : 0;
    newBias[c] = b * scale[c] + shift[c];
  }
  const weightName = uniqueName(graph, `${layer.inputs[1]}.bn_folded`);
  const newBiasName = uniqueName(graph, `${biasName || layer.name + '.bias'}.bn_folded`);
  addConstant(graph, weightName, { dtype: 'float32', shape: weight.shape, data: folded });
  addConstant(graph, newBiasName, { dtype: 'float32', shape: [channels], data: newBias });
  layer.inputs = [layer.inputs[0], weightName, newBiasName];
  return true;
}

function uniqueName(graph: Graph, base: string): string {
  let name = base;
  for (let i = 1; graph.values.has(name); i++) name = `${base}.${i}`;
  return name;
}

function addConstant(graph: Graph, name: string, tensor: Tensor): void {
  graph.constants.set(name, tensor);
  graph.values.set(name, { dtype: tensor.dtype, shape: tensor.shape });
}
