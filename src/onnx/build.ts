/**
 * Builds ONNX model bytes from a compact description: tests use it for models torch cannot
 * export (hostile names, unsupported ops, odd attributes), the bench for its synthetic models.
 */
import { onnx } from './proto.js';

export type Dim = number | string;

export interface NodeSpec {
  op: string;
  inputs: string[];
  outputs: string[];
  name?: string;
  /** Integers become INT(S), strings STRING(S), { float: x } FLOAT. */
  attrs?: Record<string, number | number[] | string | string[] | { float: number }>;
}

export interface ModelSpec {
  opset?: number;
  inputs: { name: string; shape: Dim[] }[];
  outputs: string[];
  initializers?: Record<string, { shape: number[]; data: ArrayLike<number>; int64?: boolean; int32?: boolean; bool?: boolean; int8?: boolean; uint8?: boolean }>;
  nodes: NodeSpec[];
}

const A = onnx.AttributeProto.AttributeType;

function attribute(name: string, value: NonNullable<NodeSpec['attrs']>[string]) {
  if (typeof value === 'string') return { name, type: A.STRING, s: new TextEncoder().encode(value) };
  if (Array.isArray(value) && value.every((v) => typeof v === 'string')) return { name, type: A.STRINGS, strings: value.map((v) => new TextEncoder().encode(v)) };
  if (Array.isArray(value)) return { name, type: A.INTS, ints: value as number[] };
  if (typeof value === 'object') return { name, type: A.FLOAT, f: value.float };
  return Number.isInteger(value) ? { name, type: A.INT, i: value } : { name, type: A.FLOAT, f: value };
}

export function buildModel(spec: ModelSpec): Uint8Array {
  const T = onnx.TensorProto.DataType;
  const initializer = Object.entries(spec.initializers ?? {}).map(([name, t]) => {
    if (t.bool) return { name, dims: t.shape, dataType: T.BOOL, rawData: Uint8Array.from(t.data) };
    if (t.uint8) return { name, dims: t.shape, dataType: T.UINT8, rawData: Uint8Array.from(t.data) };
    if (t.int8) return { name, dims: t.shape, dataType: T.INT8, rawData: new Uint8Array(Int8Array.from(t.data).buffer) };
    if (t.int32) return { name, dims: t.shape, dataType: T.INT32, rawData: new Uint8Array(Int32Array.from(t.data).buffer) };
    const data = t.int64 ? new BigInt64Array(Array.from(t.data, (v) => BigInt(v))) : Float32Array.from(t.data);
    return { name, dims: t.shape, dataType: t.int64 ? T.INT64 : T.FLOAT, rawData: new Uint8Array(data.buffer) };
  });
  const valueInfo = (name: string, shape: Dim[]) => ({
    name,
    type: { tensorType: { elemType: T.FLOAT, shape: { dim: shape.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) } } },
  });
  const model = onnx.ModelProto.create({
    irVersion: 8,
    producerName: 'ecgc',
    opsetImport: [{ domain: '', version: spec.opset ?? 17 }],
    graph: {
      name: 'graph',
      input: spec.inputs.map((i) => valueInfo(i.name, i.shape)),
      output: spec.outputs.map((name) => ({ name })),
      initializer,
      node: spec.nodes.map((n, i) => ({
        name: n.name ?? `${n.op}_${i}`,
        opType: n.op,
        input: n.inputs,
        output: n.outputs,
        attribute: Object.entries(n.attrs ?? {}).map(([k, v]) => attribute(k, v)),
      })),
    },
  });
  return onnx.ModelProto.encode(model).finish();
}
