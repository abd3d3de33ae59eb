/**
 * BatchNormalization after a layer whose output feeds nothing else is folded into that
 * layer's weights and bias when its definition allows (Conv; Gemm with alpha = beta = 1); any other BatchNormalization becomes a per-channel
 * affine op (ChannelAffine: y = x * scale[c] + shift[c]). Training mode (the batch's statistics) stays as it is.
 */
import { BatchNormalization, batchNormAffine, isTraining } from '../../ops/batch-normalization.js';
import { ChannelAffine } from '../../ops/channel-affine.js';
import { opDef } from '../../ops/index.js';
import type { LayerDef } from '../../ops/layer.js';
import { opContext } from '../../ir/context.js';
import { type Graph, type Node, type Tensor, consumersOf } from '../../ir/graph.js';

export function foldBatchNorm(graph: Graph): Graph {
  const consumers = consumersOf(graph);
  const producers = new Map(graph.nodes.flatMap((n) => n.outputs.map((o) => [o, n] as const)));
  const removed = new Set<Node>();
  for (const bn of graph.nodes) {
    if (bn.op !== BatchNormalization.op || isTraining(bn)) continue;
    const { scale, shift } = batchNormAffine(opContext(graph, bn));
    const x = bn.inputs[0];
    const producer = producers.get(x);
    const layer = producer && consumers.get(x)?.length === 1 && !graph.outputs.includes(x) ? opDef(producer).layer : undefined;
    if (producer && layer?.foldsAffine(producer) && foldIntoLayer(graph, producer, layer, scale, shift)) {
      producer.outputs = [bn.outputs[0]];
      removed.add(bn);
      continue;
    }
    const scaleName = uniqueName(graph, `${bn.name}.scale`);
    const shiftName = uniqueName(graph, `${bn.name}.shift`);
    addConstant(graph, scaleName, { dtype: 'float32', shape: [scale.length], data: scale });
    addConstant(graph, shiftName, { dtype: 'float32', shape: [shift.length], data: shift });
    bn.op = ChannelAffine.op;
    bn.inputs = [x, scaleName, shiftName];
    bn.outputs = [bn.outputs[0]];
    bn.attrs = {};
  }
  return { ...graph, nodes: graph.nodes.filter((n) => !removed.has(n)) };
}

/**
 * Scales each output channel's weights (a row of the layer's view) by scale[c] and sets
 * bias = bias * scale + shift. Products are formed in float64 and rounded once to float32.
 */
function foldIntoLayer(graph: Graph, node: Node, layer: LayerDef, scale: Float32Array, shift: Float32Array): boolean {
  if (layer.bias === undefined) return false;
  const weight = graph.constants.get(node.inputs[layer.weight]);
  const biasName = node.inputs[layer.bias] ?? '';
  const bias = biasName === '' ? undefined : graph.constants.get(biasName);
  if (!weight || (biasName !== '' && !bias)) return false;
  const channels = scale.length;
  const layout = layer.layout(node, weight.shape);
  if (!layout || layout.rows !== channels) return false;
  const rowLength = weight.data.length / channels;
  const channelOf = layout.transposed ? (i: number) => i % channels : (i: number) => Math.floor(i / rowLength);
  if (bias && bias.data.length !== channels && bias.data.length !== 1) return false;
  const folded = new Float32Array(weight.data.length);
  for (let i = 0; i < folded.length; i++) folded[i] = weight.data[i] * scale[channelOf(i)];
  const newBias = new Float32Array(channels);
  for (let c = 0; c < channels; c++) {
    const b = bias ? bias.data[bias.data.length === 1 ? 0 : c] : 0;
    newBias[c] = b * scale[c] + shift[c];
  }
  const weightName = uniqueName(graph, `${node.inputs[layer.weight]}.bn_folded`);
  const newBiasName = uniqueName(graph, `${biasName || node.name + '.bias'}.bn_folded`);
  addConstant(graph, weightName, { dtype: 'float32', shape: weight.shape, data: folded });
  addConstant(graph, newBiasName, { dtype: 'float32', shape: [channels], data: newBias });
  node.inputs = node.inputs.slice();
  node.inputs[layer.weight] = weightName;
  node.inputs[layer.bias] = newBiasName;
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
