/**
 * ONNX ModelProto -> IR graph (before any pass): decoding, validation, initializers,
 * Constant nodes, attributes, and the graph input's batch dimension.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fail } from '../errors.js';
import { readFileOrFail } from '../util/files.js';
import type { AttrValue, Graph, Node, Tensor, ValueInfo } from '../ir/graph.js';
import { foreignModelFormat, savedModel } from './foreign.js';
import { type OnnxTypes, onnx, toNumber } from './proto.js';
import { dtypeOf, tensorFromProto, typeName } from './tensor.js';


const CONSTANT = 'Constant';
/** Ops the importer reads itself (into constants) rather than passing on as nodes. */
export const IMPORTER_OPS = [CONSTANT];

/** The standard opsets ecgc reads; an op whose form changed reads each form (src/ops). */
export const MIN_OPSET = 7;
export const MAX_OPSET = 22;

export function readModelFile(file: string): Graph {
  if (existsSync(join(file, 'saved_model.pb'))) fail(`${file}: ${savedModel(file)}`);
  return importModel(readFileOrFail(file), file);
}

export function decodeModel(bytes: Uint8Array, file: string): OnnxTypes.ModelProto {
  if (bytes.length === 0) fail(`${file}: the file is empty, not an ONNX model`);
  const foreign = foreignModelFormat(bytes, file);
  if (foreign) fail(`${file}: ${foreign}`);
  let model: OnnxTypes.ModelProto;
  try {
    model = onnx.ModelProto.decode(bytes);
  } catch (e) {
    fail(`${file}: not an ONNX model, or a truncated one: the protobuf cannot be decoded (${(e as Error).message})`);
  }
  const notAModel = (why: string): never => fail(`${file}: decodes as protobuf but is not an ONNX model (${why})`);
  if (!model.graph) notAModel('it has no graph');
  if (toNumber(model.irVersion) < 3) notAModel(`ir_version is ${toNumber(model.irVersion)}`);
  if (!model.opsetImport || model.opsetImport.length === 0) notAModel('it declares no opset');
  if (!model.graph!.output || model.graph!.output.length === 0) notAModel('its graph has no output');
  return model;
}

export function importModel(bytes: Uint8Array, file: string): Graph {
  const model = decodeModel(bytes, file);
  const opset = defaultOpset(model, file);
  const proto = model.graph!;
  const { nodes, constants } = importBody(proto, file);
  const values = new Map<string, ValueInfo>();

  const inputs: string[] = [];
  for (const input of proto.input ?? []) {
    const name = input.name ?? '';
    if (constants.has(name)) continue; // old exporters list initializers as inputs too
    values.set(name, graphInputInfo(input, file));
    inputs.push(name);
  }
  if (inputs.length === 0) fail(`${file}: the graph has no input that is not an initializer`);
  for (const [name, tensor] of constants) values.set(name, { dtype: tensor.dtype, shape: tensor.shape });

  const metadata: Record<string, string> = {};
  for (const entry of model.metadataProps ?? []) metadata[entry.key ?? ''] = entry.value ?? '';

  return {
    name: proto.name || 'model',
    opset,
    inputs,
    outputs: proto.output!.map((o) => o.name ?? ''),
    nodes,
    constants,
    values,
    metadata,
  };
}

/** Initializers, Constant nodes and the other nodes of a graph or an If branch. */
function importBody(proto: OnnxTypes.IGraphProto, file: string): { nodes: Node[]; constants: Map<string, Tensor> } {
  const constants = new Map<string, Tensor>();
  for (const initializer of proto.initializer ?? []) {
    const tensor = tensorFromProto(initializer, `${file}: initializer '${initializer.name}'`);
    checkFinite(tensor, `${file}: initializer '${initializer.name}'`);
    constants.set(initializer.name ?? '', tensor);
  }
  const nodes: Node[] = [];
  (proto.node ?? []).forEach((nodeProto, index) => {
    const op = nodeProto.opType ?? '';
    const name = nodeProto.name || `${op}_${index}`;
    const domain = nodeProto.domain ?? '';
    if (domain !== '' && domain !== 'ai.onnx') {
      fail(`${file}: node '${name}' uses op '${op}' from domain '${domain}'; ecgc supports the standard ONNX domain only`);
    }
    const attrs: Record<string, AttrValue> = {};
    for (const attribute of nodeProto.attribute ?? []) {
      attrs[attribute.name ?? ''] = attributeValue(attribute, file, `${file}: node '${name}' attribute '${attribute.name}'`);
    }
    const node: Node = { name, op, inputs: nodeProto.input ?? [], outputs: nodeProto.output ?? [], attrs };
    if (op === CONSTANT) {
      const tensor = constantNodeValue(node, file);
      checkFinite(tensor, `${file}: Constant node '${name}'`);
      constants.set(node.outputs[0], tensor);
    } else {
      nodes.push(node);
    }
  });
  return { nodes, constants };
}

function defaultOpset(model: OnnxTypes.ModelProto, file: string): number {
  const entry = model.opsetImport!.find((o) => !o.domain || o.domain === 'ai.onnx');
  if (!entry) fail(`${file}: the model does not import the standard ONNX opset`);
  const version = toNumber(entry.version);
  if (version < MIN_OPSET || version > MAX_OPSET) {
    fail(`${file}: opset ${version} is not supported; ecgc reads opsets ${MIN_OPSET} to ${MAX_OPSET} (export with torch.onnx.export(..., opset_version=17), or convert with onnx.version_converter)`);
  }
  return version;
}

/**
 * Shapes as the graph states them: a symbolic first dimension (the batch) becomes 1, every
 * other dimension must be a fixed size. (Commands that feed windows check the batch: load.ts.)
 */
function graphInputInfo(input: OnnxTypes.IValueInfoProto, file: string): ValueInfo {
  const name = input.name ?? '';
  const tensorType = input.type?.tensorType;
  if (!tensorType) fail(`${file}: graph input '${name}' is not a tensor`);
  // any numeric or bool type (the commands that feed windows take float32: load.ts)
  const dtype = dtypeOf(tensorType.elemType ?? 0) ?? fail(`${file}: graph input '${name}' has element type ${typeName(tensorType.elemType ?? 0)}; ecgc reads numeric and bool tensors`);
  const dims = tensorType.shape?.dim ?? [];
  const shape = dims.map((dim, axis) => {
    const hasValue = Object.hasOwn(dim, 'dimValue'); // set, even to 0 (an empty tensor); unset is symbolic
    if (axis === 0 && !hasValue) return 1;
    if (!hasValue) {
      const symbol = dim.dimParam ? `'${dim.dimParam}'` : 'unknown';
      fail(`${file}: graph input '${name}' has a dynamic dimension (${symbol}) at axis ${axis}; ecgc needs fixed sizes for all but the batch dimension: export with a fixed-size dummy input and dynamic_axes on axis 0 only`);
    }
    return toNumber(dim.dimValue);
  });
  return { dtype, shape };
}

function attributeValue(attribute: OnnxTypes.IAttributeProto, file: string, what: string): AttrValue {
  const A = onnx.AttributeProto.AttributeType;
  const decoder = new TextDecoder();
  switch (attribute.type) {
    case A.FLOAT:
      return attribute.f ?? 0;
    case A.INT:
      return toNumber(attribute.i);
    case A.STRING:
      return decoder.decode(attribute.s ?? new Uint8Array());
    case A.FLOATS:
      return attribute.floats ?? [];
    case A.INTS:
      return (attribute.ints ?? []).map(toNumber);
    case A.STRINGS:
      return (attribute.strings ?? []).map((s) => decoder.decode(s));
    case A.TENSOR:
      return tensorFromProto(attribute.t ?? {}, what);
    case A.GRAPH: {
      const body = importBody(attribute.g ?? {}, file);
      return { ...body, outputs: (attribute.g?.output ?? []).map((o) => o.name ?? '') };
    }
    default:
      fail(`${what}: attribute type ${A[attribute.type ?? 0] ?? attribute.type} is not supported`);
  }
}

function constantNodeValue(node: Node, file: string): Tensor {
  const { value, value_float, value_floats, value_int, value_ints } = node.attrs;
  if (value !== undefined && typeof value === 'object' && 'data' in value) return value;
  if (typeof value_float === 'number') return { dtype: 'float32', shape: [], data: Float32Array.of(value_float) };
  if (Array.isArray(value_floats)) return { dtype: 'float32', shape: [value_floats.length], data: Float32Array.from(value_floats as number[]) };
  if (typeof value_int === 'number') return { dtype: 'int64', shape: [], data: Float64Array.of(value_int) };
  if (Array.isArray(value_ints)) return { dtype: 'int64', shape: [value_ints.length], data: Float64Array.from(value_ints as number[]) };
  fail(`${file}: Constant node '${node.name}' has no value ecgc can read (value, value_float(s) or value_int(s))`);
}

function checkFinite(tensor: Tensor, what: string): void {
  if (tensor.dtype !== 'float32') return;
  const data = tensor.data;
  for (let i = 0; i < data.length; i++) {
    if (!Number.isFinite(data[i])) {
      fail(`${what} contains ${Number.isNaN(data[i]) ? 'NaN' : data[i]} at flat index ${i}; the weights are broken (check the training run)`);
    }
  }
}
