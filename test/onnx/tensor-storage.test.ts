/** Initializers in every storage form exporters use: raw_data and the typed fields. */
import { describe, expect, it } from 'vitest';
import { onnx } from '../../src/onnx/proto.js';
import { tensorFromProto } from '../../src/onnx/tensor.js';

const T = onnx.TensorProto.DataType;

describe('tensorFromProto', () => {
  it('reads float_data, double_data, int64_data and int32_data', () => {
    expect(Array.from(tensorFromProto({ dims: [3], dataType: T.FLOAT, floatData: [1.5, -2, 0.25] }, 'f').data)).toEqual([1.5, -2, 0.25]);
    const double = tensorFromProto({ dims: [2], dataType: T.DOUBLE, doubleData: [0.1, 1e-50] }, 'd');
    expect(double.dtype).toBe('float64');
    expect(Array.from(double.data)).toEqual([0.1, 1e-50]);
    const int64 = tensorFromProto({ dims: [1, 2], dataType: T.INT64, int64Data: [-7, 123456789] }, 'i');
    expect([int64.dtype, int64.shape, Array.from(int64.data)]).toEqual(['int64', [1, 2], [-7, 123456789]]);
    expect(Array.from(tensorFromProto({ dims: [2], dataType: T.INT32, int32Data: [5, -6] }, 'j').data)).toEqual([5, -6]);
  });

  it('reads raw_data of float32, float64, float16, int64, int32, int8 and bool, little-endian', () => {
    const raw = (values: ArrayBufferView) => new Uint8Array(values.buffer);
    expect(Array.from(tensorFromProto({ dims: [2], dataType: T.FLOAT, rawData: raw(Float32Array.of(3, -0.5)) }, 'a').data)).toEqual([3, -0.5]);
    expect(Array.from(tensorFromProto({ dims: [1], dataType: T.DOUBLE, rawData: raw(Float64Array.of(2.5)) }, 'b').data)).toEqual([2.5]);
    // float16: 0x3c00 = 1, 0xc000 = -2, 0x0001 = 2^-24 (subnormal)
    expect(Array.from(tensorFromProto({ dims: [3], dataType: T.FLOAT16, rawData: raw(Uint16Array.of(0x3c00, 0xc000, 0x0001)) }, 'c').data)).toEqual([1, -2, 2 ** -24]);
    expect(Array.from(tensorFromProto({ dims: [2], dataType: T.INT64, rawData: raw(BigInt64Array.of(-1n, 2n ** 40n)) }, 'e').data)).toEqual([-1, 2 ** 40]);
    expect(Array.from(tensorFromProto({ dims: [1], dataType: T.INT32, rawData: raw(Int32Array.of(-9)) }, 'g').data)).toEqual([-9]);
    expect(Array.from(tensorFromProto({ dims: [2], dataType: T.INT8, rawData: raw(Int8Array.of(-128, 127)) }, 'h').data)).toEqual([-128, 127]);
    expect(Array.from(tensorFromProto({ dims: [2], dataType: T.BOOL, rawData: Uint8Array.of(1, 0) }, 'k').data)).toEqual([1, 0]);
  });

  it('reads every numeric type as its own dtype: bfloat16, the float8s and 4-bit integers from their bits', () => {
    const read = (dataType: number, field: object, dims = [2]) => tensorFromProto({ dims, dataType, ...field }, 't');
    const bf16 = read(T.BFLOAT16, { int32Data: [0x3f80, 0xc0a0] });
    expect([bf16.dtype, Array.from(bf16.data)]).toEqual(['bfloat16', [1, -5]]);
    // float8 e4m3fn (17): 0x7e = 448, 0x38 = 1; e5m2 (19): 0x7c = inf
    expect(Array.from(read(17, { rawData: Uint8Array.of(0x7e, 0x38) }).data)).toEqual([448, 1]);
    expect(Array.from(read(19, { int32Data: [0x7c, 0xfc] }).data)).toEqual([Infinity, -Infinity]);
    // int4 (22): two to a byte, low nibble first; 0xf8 = [-8, -1]; uint4 (21): 0xf8 = [8, 15]; 3 values take 2 bytes
    const int4 = read(22, { rawData: Uint8Array.of(0xf8, 0x07) }, [3]);
    expect([int4.dtype, Array.from(int4.data)]).toEqual(['int4', [-8, -1, 7]]);
    expect(Array.from(read(21, { int32Data: [0xf8] }).data)).toEqual([8, 15]);
    expect(Array.from(read(T.UINT64, { uint64Data: [7, 2 ** 40] }).data)).toEqual([7, 2 ** 40]);
    expect(() => read(22, { rawData: Uint8Array.of(0xf8) }, [3])).toThrow('holds 1 bytes, but int4 of shape [3] needs 2');
    expect(() => read(T.STRING, {})).toThrow('element type STRING is not supported');
  });

  it('reads raw_data at an unaligned offset', () => {
    const bytes = new Uint8Array(9);
    new DataView(bytes.buffer).setFloat32(1, 1.25, true);
    new DataView(bytes.buffer).setFloat32(5, -3, true);
    expect(Array.from(tensorFromProto({ dims: [2], dataType: T.FLOAT, rawData: bytes.subarray(1) }, 'u').data)).toEqual([1.25, -3]);
  });

  it('rejects sizes that do not match the shape, external data and unsupported types', () => {
    expect(() => tensorFromProto({ dims: [3], dataType: T.FLOAT, rawData: new Uint8Array(8) }, "initializer 'w'")).toThrow(/initializer 'w': raw_data holds 8 bytes, but float32 of shape \[3\] needs 12/);
    expect(() => tensorFromProto({ dims: [2], dataType: T.FLOAT, floatData: [1] }, "initializer 'w'")).toThrow(/holds 1 values, but shape \[2\] needs 2/);
    expect(() => tensorFromProto({ dims: [1], dataType: T.FLOAT, dataLocation: onnx.TensorProto.DataLocation.EXTERNAL }, 'x')).toThrow(/external file/);
    expect(() => tensorFromProto({ dims: [1], dataType: T.STRING }, 'x')).toThrow(/element type STRING is not supported/);
  });
});
