/**
 * .npy reading and writing (format versions 1-3, little-endian, C order), so ecgc reads
 * what numpy writes and numpy reads what ecgc writes.
 */
import { fail } from '../errors.js';
import { readFileOrFail, writeFileAtomic } from './files.js';

export type NpyData = Float32Array | Float64Array | Int32Array | BigInt64Array | Int16Array | Uint8Array;

export interface NpyArray {
  dtype: string; // numpy descr, e.g. '<f4'
  shape: number[];
  data: NpyData;
}

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY

const DTYPES: Record<string, { bytes: number; make: (buf: ArrayBuffer, n: number) => NpyData }> = {
  '<f4': { bytes: 4, make: (b, n) => new Float32Array(b, 0, n) },
  '<f8': { bytes: 8, make: (b, n) => new Float64Array(b, 0, n) },
  '<i4': { bytes: 4, make: (b, n) => new Int32Array(b, 0, n) },
  '<i8': { bytes: 8, make: (b, n) => new BigInt64Array(b, 0, n) },
  '<i2': { bytes: 2, make: (b, n) => new Int16Array(b, 0, n) },
  '|u1': { bytes: 1, make: (b, n) => new Uint8Array(b, 0, n) },
};

export function parseNpy(bytes: Uint8Array, file: string): NpyArray {
  const bad = (why: string): never => fail(`${file}: not a readable .npy file (${why})`);
  if (bytes.length < 10 || MAGIC.some((m, i) => bytes[i] !== m)) bad('missing the \\x93NUMPY magic');
  const major = bytes[6];
  if (major < 1 || major > 3) bad(`format version ${major} is not supported`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLength = major === 1 ? view.getUint16(8, true) : view.getUint32(8, true);
  const headerStart = major === 1 ? 10 : 12;
  if (headerStart + headerLength > bytes.length) bad('header is truncated');
  const header = new TextDecoder(major === 3 ? 'utf-8' : 'latin1').decode(bytes.subarray(headerStart, headerStart + headerLength));
  const descr = /'descr':\s*'([^']*)'/.exec(header)?.[1];
  const fortran = /'fortran_order':\s*(True|False)/.exec(header)?.[1];
  const shapeText = /'shape':\s*\(([^)]*)\)/.exec(header)?.[1];
  if (descr === undefined || fortran === undefined || shapeText === undefined) bad('header lacks descr, fortran_order or shape');
  if (fortran === 'True') bad('Fortran order is not supported; save with np.ascontiguousarray');
  const dtype = DTYPES[descr!] ?? bad(`dtype ${descr} is not supported (use float32, float64, int16, int32 or int64)`);
  const shape = shapeText!.split(',').map((s) => s.trim()).filter((s) => s !== '').map(Number);
  if (shape.some((d) => !Number.isInteger(d) || d < 0)) bad(`bad shape (${shapeText})`);
  const count = shape.reduce((a, b) => a * b, 1);
  const dataStart = headerStart + headerLength;
  if (bytes.length - dataStart < count * dtype.bytes) {
    bad(`data is truncated: shape (${shape.join(', ')}) needs ${count * dtype.bytes} bytes, the file has ${bytes.length - dataStart}`);
  }
  // Copy into a fresh, aligned buffer: the file's data offset need not be aligned.
  // (Uint8Array.from, not slice: Buffer.slice returns a view into the file's buffer.)
  const copy = Uint8Array.from(bytes.subarray(dataStart, dataStart + count * dtype.bytes));
  return { dtype: descr!, shape, data: dtype.make(copy.buffer, count) };
}

export function readNpy(file: string): NpyArray {
  return parseNpy(readFileOrFail(file), file);
}

/** Reads an .npy of any float type as float32 (float64 is rounded, as numpy's astype would). */
export function readNpyFloat32(file: string): { shape: number[]; data: Float32Array } {
  const array = readNpy(file);
  if (array.data instanceof Float32Array) return { shape: array.shape, data: array.data };
  if (array.data instanceof Float64Array) return { shape: array.shape, data: Float32Array.from(array.data) };
  fail(`${file}: expected float32 or float64 data, found ${array.dtype}`);
}

function descrOf(data: NpyData): string {
  if (data instanceof Float32Array) return '<f4';
  if (data instanceof Float64Array) return '<f8';
  if (data instanceof Int32Array) return '<i4';
  if (data instanceof BigInt64Array) return '<i8';
  if (data instanceof Int16Array) return '<i2';
  return '|u1';
}

export function encodeNpy(shape: readonly number[], data: NpyData): Uint8Array {
  const shapeText = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
  let header = `{'descr': '${descrOf(data)}', 'fortran_order': False, 'shape': ${shapeText}, }`;
  // Version 1.0: the magic, version, header length and header pad to a multiple of 64 bytes.
  const unpadded = 10 + header.length + 1;
  header += ' '.repeat((64 - (unpadded % 64)) % 64) + '\n';
  const out = new Uint8Array(10 + header.length + data.byteLength);
  out.set(MAGIC, 0);
  out[6] = 1;
  out[7] = 0;
  new DataView(out.buffer).setUint16(8, header.length, true);
  for (let i = 0; i < header.length; i++) out[10 + i] = header.charCodeAt(i);
  out.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), 10 + header.length);
  return out;
}

export function writeNpy(file: string, shape: readonly number[], data: NpyData): void {
  writeFileAtomic(file, encodeNpy(shape, data));
}
