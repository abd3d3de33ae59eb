/**
 * MATLAB version 4 MAT-files (little-endian only).
 *
 * The file is a sequence of matrices, each a 20-byte header of five 32-bit integers
 *   type (MOPT code), rows, columns, imaginary flag, name length (including the NUL)
 * followed by the name and rows x columns elements stored column by column (then as many
 * imaginary elements when the flag is set). MOPT = M*1000 + O*100 + P*10 + T with
 *   M machine format: 0 IEEE little-endian, 1 IEEE big-endian, 2 VAX D, 3 VAX G, 4 Cray
 *   O 0
 *   P element type: 0 double, 1 single, 2 int32, 3 int16, 4 uint16, 5 uint8
 *   T matrix type: 0 numeric, 1 text, 2 sparse (all stored as a plain rows x columns array)
 */
import { fail } from '../../errors.js';
import { readFileOrFail } from '../../util/files.js';

export interface Mat4Matrix {
  name: string;
  rows: number;
  cols: number;
  /** Column-major, as stored, converted to numbers. */
  data: Float64Array;
}

/** A matrix with its element type (P digit of MOPT), for callers that need to check it. */
export interface Mat4MatrixWithType extends Mat4Matrix {
  elementType: number;
}

const ELEMENT_TYPES = ['double', 'single', 'int32', 'int16', 'uint16', 'uint8'];
const ELEMENT_SIZES = [8, 4, 4, 2, 2, 1];
const MACHINE_FORMATS = ['IEEE little-endian', 'IEEE big-endian', 'VAX D-float', 'VAX G-float', 'Cray'];

function isMopt(type: number): boolean {
  return type >= 0 && type <= 4052 && Math.floor(type / 100) % 10 === 0;
}

/** Decodes the matrices of a MATLAB v4 file; `file` names it in error messages. */
export function decodeMat4(bytes: Uint8Array, file: string): Mat4MatrixWithType[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const length = bytes.length;
  if (length === 0) fail(`${file}: empty file, not a MATLAB v4 MAT-file`);
  const matrices: Mat4MatrixWithType[] = [];
  let p = 0;
  while (p < length) {
    const at = `${file}: matrix ${matrices.length + 1} (byte ${p})`;
    if (p + 20 > length) {
      fail(`${at}: truncated MATLAB v4 header (${length - p} of 20 bytes)`);
    }
    const type = view.getInt32(p, true);
    if (!isMopt(type)) {
      const bigEndian = view.getInt32(p, false);
      if (isMopt(bigEndian) && Math.floor(bigEndian / 1000) === 1) {
        fail(`${at}: big-endian MATLAB v4 file (type ${bigEndian}); only little-endian files are supported`);
      }
      fail(`${at}: not a MATLAB v4 MAT-file (type word ${type} is not a valid MOPT code)`);
    }
    const machine = Math.floor(type / 1000);
    const elementType = Math.floor(type / 10) % 10;
    const matrixType = type % 10;
    if (machine !== 0) {
      fail(`${at}: ${MACHINE_FORMATS[machine]} MATLAB v4 data (type ${type}); only little-endian (IEEE) files are supported`);
    }
    if (elementType >= ELEMENT_TYPES.length) {
      fail(
        `${at}: unknown element type ${elementType} in MOPT code ${type} ` +
          `(supported: ${ELEMENT_TYPES.map((t, k) => `${k} ${t}`).join(', ')})`,
      );
    }
    if (matrixType > 2) fail(`${at}: unknown matrix type ${matrixType} in MOPT code ${type} (expected 0, 1 or 2)`);
    const rows = view.getInt32(p + 4, true);
    const cols = view.getInt32(p + 8, true);
    const imaginary = view.getInt32(p + 12, true);
    const nameLength = view.getInt32(p + 16, true);
    if (rows < 0 || cols < 0) fail(`${at}: negative size ${rows} x ${cols}`);
    if (imaginary !== 0 && imaginary !== 1) fail(`${at}: invalid imaginary flag ${imaginary}`);
    if (imaginary === 1) fail(`${at}: complex matrices are not supported`);
    if (nameLength < 1 || p + 20 + nameLength > length) {
      fail(`${at}: invalid or truncated name (length ${nameLength}, ${length - p - 20} bytes left)`);
    }
    const nameStart = p + 20;
    let nameEnd = nameStart;
    while (nameEnd < nameStart + nameLength && bytes[nameEnd] !== 0) nameEnd++;
    let name = '';
    for (let k = nameStart; k < nameEnd; k++) name += String.fromCharCode(bytes[k]);

    const count = rows * cols;
    const size = ELEMENT_SIZES[elementType];
    const dataStart = nameStart + nameLength;
    const needed = count * size;
    if (dataStart + needed > length) {
      fail(
        `${file}: matrix '${name}' (${rows} x ${cols} ${ELEMENT_TYPES[elementType]}) is truncated: ` +
          `${needed} bytes of data expected, ${length - dataStart} present`,
      );
    }
    const data = new Float64Array(count);
    let q = dataStart;
    switch (elementType) {
      case 0:
        for (let k = 0; k < count; k++, q += 8) data[k] = view.getFloat64(q, true);
        break;
      case 1:
        for (let k = 0; k < count; k++, q += 4) data[k] = view.getFloat32(q, true);
        break;
      case 2:
        for (let k = 0; k < count; k++, q += 4) data[k] = view.getInt32(q, true);
        break;
      case 3:
        for (let k = 0; k < count; k++, q += 2) data[k] = ((bytes[q + 1] << 8) | bytes[q]) << 16 >> 16;
        break;
      case 4:
        for (let k = 0; k < count; k++, q += 2) data[k] = (bytes[q + 1] << 8) | bytes[q];
        break;
      case 5:
        for (let k = 0; k < count; k++, q++) data[k] = bytes[q];
        break;
    }
    matrices.push({ name, rows, cols, data, elementType });
    p = dataStart + needed;
  }
  return matrices;
}

/** Reads every matrix of a little-endian MATLAB v4 MAT-file. */
export function readMat4(file: string): Mat4Matrix[] {
  return decodeMat4(readFileOrFail(file), file).map(({ name, rows, cols, data }) => ({ name, rows, cols, data }));
}
