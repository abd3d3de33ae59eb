/** ONNX TensorProto -> IR tensor: every storage form torch and onnx.helper produce, every numeric element type. */
import { fail } from '../errors.js';
import { type DType, DTYPES, type Tensor } from '../ir/graph.js';
import { type FloatFormatName, decodeFloat } from '../ir/formats.js';
import { type OnnxTypes, onnx, toNumber } from './proto.js';

const T = onnx.TensorProto.DataType;
/** ONNX element types newer than onnx-proto's enum (onnx.proto, IR version 9 and 10). */
const NEWER = { FLOAT8E4M3FN: 17, FLOAT8E4M3FNUZ: 18, FLOAT8E5M2: 19, FLOAT8E5M2FNUZ: 20, UINT4: 21, INT4: 22 } as const;

/** An element type's IR dtype, its bytes in raw_data, how one element reads, and for a narrow float its format (its bit patterns sit in int32_data). */
interface Layout {
  dtype: DType;
  bytes: number;
  read: (view: DataView, offset: number) => number;
  format?: FloatFormatName;
}

const narrow = (format: FloatFormatName, bytes: 1 | 2): Layout => ({
  dtype: format, bytes, format, read: (v, o) => decodeFloat(bytes === 1 ? v.getUint8(o) : v.getUint16(o, true), format),
});

const LAYOUTS: Record<number, Layout> = {
  [T.FLOAT]: { dtype: 'float32', bytes: 4, read: (v, o) => v.getFloat32(o, true) },
  [T.DOUBLE]: { dtype: 'float64', bytes: 8, read: (v, o) => v.getFloat64(o, true) },
  [T.FLOAT16]: narrow('float16', 2),
  [T.BFLOAT16]: narrow('bfloat16', 2),
  [NEWER.FLOAT8E4M3FN]: narrow('float8e4m3fn', 1),
  [NEWER.FLOAT8E4M3FNUZ]: narrow('float8e4m3fnuz', 1),
  [NEWER.FLOAT8E5M2]: narrow('float8e5m2', 1),
  [NEWER.FLOAT8E5M2FNUZ]: narrow('float8e5m2fnuz', 1),
  [T.INT64]: { dtype: 'int64', bytes: 8, read: (v, o) => Number(v.getBigInt64(o, true)) },
  [T.INT32]: { dtype: 'int32', bytes: 4, read: (v, o) => v.getInt32(o, true) },
  [T.INT16]: { dtype: 'int16', bytes: 2, read: (v, o) => v.getInt16(o, true) },
  [T.INT8]: { dtype: 'int8', bytes: 1, read: (v, o) => v.getInt8(o) },
  [T.UINT64]: { dtype: 'uint64', bytes: 8, read: (v, o) => Number(v.getBigUint64(o, true)) },
  [T.UINT32]: { dtype: 'uint32', bytes: 4, read: (v, o) => v.getUint32(o, true) },
  [T.UINT16]: { dtype: 'uint16', bytes: 2, read: (v, o) => v.getUint16(o, true) },
  [T.UINT8]: { dtype: 'uint8', bytes: 1, read: (v, o) => v.getUint8(o) },
  [T.BOOL]: { dtype: 'bool', bytes: 1, read: (v, o) => v.getUint8(o) },
};

/** The 4-bit types: two elements to a byte, the first in the low nibble. */
const NIBBLES: Record<number, { dtype: DType; signed: boolean }> = {
  [NEWER.INT4]: { dtype: 'int4', signed: true },
  [NEWER.UINT4]: { dtype: 'uint4', signed: false },
};

/** The IR dtype of an ONNX element type, or undefined (strings, complex numbers). */
export function dtypeOf(elementType: number): DType | undefined {
  return LAYOUTS[elementType]?.dtype ?? NIBBLES[elementType]?.dtype;
}

export const typeName = (elementType: number): string =>
  T[elementType] ?? Object.entries(NEWER).find(([, value]) => value === elementType)?.[0] ?? String(elementType);

/** Converts a TensorProto; `what` names it in errors (e.g. "initializer 'conv1.weight'"). */
export function tensorFromProto(proto: OnnxTypes.ITensorProto, what: string): Tensor {
  const shape = (proto.dims ?? []).map(toNumber);
  if (shape.some((d) => d < 0)) fail(`${what}: negative dimension in ${JSON.stringify(shape)}`);
  const count = shape.reduce((a, b) => a * b, 1);
  if (proto.dataLocation === onnx.TensorProto.DataLocation.EXTERNAL) {
    fail(`${what}: data is stored in an external file; save the model with all tensors inside it (onnx.save(model, path, save_as_external_data=False))`);
  }
  const type = proto.dataType ?? 0;
  const dtype = dtypeOf(type) ?? fail(`${what}: element type ${typeName(type)} is not supported (numeric and bool types are)`);
  const values = new DTYPES[dtype].array(count);
  const raw = proto.rawData && proto.rawData.length > 0 ? proto.rawData : undefined;
  const nibbles = NIBBLES[type];
  if (nibbles) {
    const bytes = raw ? Array.from(raw) : (proto.int32Data ?? []);
    if (bytes.length !== Math.ceil(count / 2)) fail(`${what}: holds ${bytes.length} bytes, but ${dtype} of shape [${shape.join(', ')}] needs ${Math.ceil(count / 2)}`);
    for (let i = 0; i < count; i++) {
      const nibble = (bytes[i >> 1] >> ((i & 1) * 4)) & 0xf;
      values[i] = nibbles.signed && nibble >= 8 ? nibble - 16 : nibble;
    }
    return { dtype, shape, data: values };
  }
  const layout = LAYOUTS[type];
  if (raw) {
    if (raw.length !== count * layout.bytes) fail(`${what}: raw_data holds ${raw.length} bytes, but ${dtype} of shape [${shape.join(', ')}] needs ${count * layout.bytes}`);
    const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
    for (let i = 0; i < count; i++) values[i] = layout.read(view, i * layout.bytes);
    return { dtype, shape, data: values };
  }
  const typed = typedField(proto, type);
  if (typed.length !== count) fail(`${what}: holds ${typed.length} values, but shape [${shape.join(', ')}] needs ${count}`);
  const { format } = layout;
  for (let i = 0; i < count; i++) values[i] = format ? decodeFloat(typed[i], format) : typed[i];
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
    case T.UINT32:
    case T.UINT64:
      return (proto.uint64Data ?? []).map(toNumber);
    default:
      // int32, int16, int8, uint8, uint16, bool, and the 16- and 8-bit floats (as bits) live in int32_data.
      return proto.int32Data ?? [];
  }
}
