/** ONNX TensorProto -> IR tensor: every storage form torch and onnx.helper produce. */
import { fail } from '../errors.js';
import { DTYPES, type Tensor } from '../ir/graph.js';
import { type OnnxTypes, onnx, toNumber } from './proto.js';

const T = onnx.TensorProto.DataType;

interface Layout {
  name: string;
  bytes: number;
  read: (view: DataView, offset: number) => number;
}

const FLOAT_TYPES: Record<number, Layout> = {
  [T.FLOAT]: { name: 'float32', bytes: 4, read: (v, o) => v.getFloat32(o, true) },
  [T.DOUBLE]: { name: 'float64', bytes: 8, read: (v, o) => v.getFloat64(o, true) },
  [T.FLOAT16]: { name: 'float16', bytes: 2, read: (v, o) => halfToFloat(v.getUint16(o, true)) },
};

const INT_TYPES: Record<number, Layout> = {
  [T.INT64]: { name: 'int64', bytes: 8, read: (v, o) => Number(v.getBigInt64(o, true)) },
  [T.INT32]: { name: 'int32', bytes: 4, read: (v, o) => v.getInt32(o, true) },
  [T.INT16]: { name: 'int16', bytes: 2, read: (v, o) => v.getInt16(o, true) },
  [T.INT8]: { name: 'int8', bytes: 1, read: (v, o) => v.getInt8(o) },
  [T.UINT8]: { name: 'uint8', bytes: 1, read: (v, o) => v.getUint8(o) },
  [T.UINT16]: { name: 'uint16', bytes: 2, read: (v, o) => v.getUint16(o, true) },
  [T.BOOL]: { name: 'bool', bytes: 1, read: (v, o) => v.getUint8(o) },
};

function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exponent = (h >> 10) & 0x1f;
  const fraction = h & 0x3ff;
  if (exponent === 0) return sign * 2 ** -14 * (fraction / 1024);
  if (exponent === 31) return fraction ? NaN : sign * Infinity;
  return sign * 2 ** (exponent - 15) * (1 + fraction / 1024);
}

/** Converts a TensorProto; `what` names it in errors (e.g. "initializer 'conv1.weight'"). */
export function tensorFromProto(proto: OnnxTypes.ITensorProto, what: string): Tensor {
  const shape = (proto.dims ?? []).map(toNumber);
  if (shape.some((d) => d < 0)) fail(`${what}: negative dimension in ${JSON.stringify(shape)}`);
  const count = shape.reduce((a, b) => a * b, 1);
  if (proto.dataLocation === onnx.TensorProto.DataLocation.EXTERNAL) {
    fail(`${what}: data is stored in an external file; save the model with all tensors inside it (onnx.save(model, path, save_as_external_data=False))`);
  }
  const type = proto.dataType ?? 0;
  const layout = FLOAT_TYPES[type] ?? INT_TYPES[type];
  if (!layout) {
    const typeName = T[type] ?? String(type);
    fail(`${what}: element type ${typeName} is not supported (float32, float64, float16 and integer types are)`);
  }
  const dtype = type in FLOAT_TYPES ? 'float32' : type === T.BOOL ? 'bool' : 'int64';
  const values = new DTYPES[dtype].array(count);
  const raw = proto.rawData;
  if (raw && raw.length > 0) {
    if (raw.length !== count * layout.bytes) {
      fail(`${what}: raw_data holds ${raw.length} bytes, but ${layout.name} of shape [${shape.join(', ')}] needs ${count * layout.bytes}`);
    }
    const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
    for (let i = 0; i < count; i++) values[i] = layout.read(view, i * layout.bytes);
  } else {
    const typed = typedField(proto, type);
    if (typed.length !== count) {
      fail(`${what}: holds ${typed.length} values, but shape [${shape.join(', ')}] needs ${count}`);
    }
    for (let i = 0; i < count; i++) values[i] = type === T.FLOAT16 ? halfToFloat(typed[i]) : typed[i];
  }
  return { dtype, shape, data: values };
}

function typedField(proto: OnnxTypes.ITensorProto, type: number): number[] {
  switch (type) {
    case T.FLOAT:
      return proto.floatData ?? [];
    case T.DOUBLE:
      return proto.doubleData ?? [];
    case T.INT64:
      return (proto.int64Data ?? []).map(toNumber);
    default:
      // int32, int16, int8, uint8, uint16, bool and float16 (as bits) live in int32_data.
      return proto.int32Data ?? [];
  }
}
