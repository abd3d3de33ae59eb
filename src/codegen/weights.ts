/**
 * A weight-bearing layer's weights as C data: float32 rows, or quantized codes encoded by
 * src/pack (the same bytes the compressor counted), with scales or codebook levels.
 * Rows are output channels: Conv [Cout, Cin/group, K] as stored; a Gemm or MatMul weight as
 * [N, K] (transposed when stored [K, N]).
 */
import { fail } from '../errors.js';
import { designated } from '../ops/lowering.js';
import { type QuantizerSpec, bfloat16Bits, quantizeLayer } from '../plan/quantize.js';
import { type Encoding, chooseEncoding, encodeWeights } from '../pack/encode.js';
import { type LayerSize, floatLayerSize, integerLayerSize, quantizedLayerSize } from '../pack/size.js';

/** A quantized layer (spec), or a float32 layer whose weights at or below a threshold are pruned. */
export interface LayerQuantization {
  spec?: QuantizerSpec;
  /** As the plan chose it; by default the cheapest. */
  encoding?: Encoding;
  float32Threshold?: number;
}

export interface CArray {
  name: string;
  type: 'float' | 'uint8_t' | 'uint16_t' | 'int32_t' | 'int8_t';
  values: ArrayLike<number>;
  comment: string;
}

export interface EmittedWeights {
  /** C initializer of an ecgc_weights_t. */
  init: string;
  arrays: CArray[];
  size: LayerSize;
  /** Packed codes (decoded row by row into scratch), not float32 read in place. */
  packed: boolean;
  sparse: boolean;
  /** Row-major weights the device computes with (the reference must use the same). */
  deployed: Float32Array;
}

const QUANTIZER_ENUM = { uniform: 'ECGC_UNIFORM', 'uniform-layer': 'ECGC_UNIFORM_LAYER', sign: 'ECGC_SIGN', codebook: 'ECGC_CODEBOOK' } as const;
const ENCODING_ENUM = { dense: 'ECGC_DENSE', bitmap: 'ECGC_BITMAP', delta: 'ECGC_DELTA' } as const;

export function emitWeights(prefix: string, description: string, rowMajor: Float32Array, rows: number, biasCount: number, quantization?: LayerQuantization): EmittedWeights {
  const rowLength = rowMajor.length / rows;
  if (!quantization?.spec) {
    const threshold = quantization?.float32Threshold ?? -1;
    if (threshold >= 0) rowMajor = rowMajor.map((w) => (Math.abs(w) <= threshold ? 0 : w));
    const size = floatLayerSize(rowMajor, rows, biasCount);
    if (size.encoding === 'float32') {
      return {
        init: designated({ encoding: 'ECGC_F32', bits: 32, rows, row_length: rowLength, f32: `${prefix}__f32` }),
        arrays: [{ name: `${prefix}__f32`, type: 'float', values: rowMajor, comment: `${description}: float32, ${rows} x ${rowLength}` }],
        size,
        packed: false,
        sparse: false,
        deployed: rowMajor,
      };
    }
    // pruned float32: the encoding's indices (built from the zero pattern), then the nonzero weights
    const mask = rowMajor.map((w) => (w === 0 ? 0 : 1));
    const index = encodeWeights(mask, mask, rows, 1, false, size.encoding);
    const nonzeros = rowMajor.filter((w) => w !== 0);
    const what = `${description}: float32, ${(100 * (1 - nonzeros.length / rowMajor.length)).toFixed(1)}% pruned, ${size.encoding}`;
    // (a layer pruned to nothing has no values array: C has no empty arrays)
    return {
      init: designated({
        encoding: ENCODING_ENUM[size.encoding], quantizer: 'ECGC_FLOAT', bits: 32, index_bits: index.indexBits, rows, row_length: rowLength,
        ...(nonzeros.length ? { f32: `${prefix}__f32` } : {}), index: `${prefix}__index`,
      }),
      arrays: [
        { name: `${prefix}__index`, type: 'uint8_t', values: index.indexBytes, comment: `${what}: ${size.encoding === 'bitmap' ? 'nonzero bitmap' : 'row counts and distances'}` },
        ...(nonzeros.length ? [{ name: `${prefix}__f32`, type: 'float' as const, values: nonzeros, comment: `${what}: nonzero weights` }] : []),
      ],
      size,
      packed: true,
      sparse: true,
      deployed: rowMajor,
    };
  }
  const spec = quantization.spec;
  const layer = quantizeLayer(rowMajor, rows, spec);
  const size = quantizedLayerSize(layer, rows, spec.bits, biasCount);
  const encoding = quantization.encoding ?? chooseEncoding(layer.codes, rows, spec.bits, layer.zeroRepresentable).encoding;
  if (encoding === 'dense' && !layer.zeroRepresentable && layer.codes.some((c) => c === 0)) {
    fail(`${description}: a dense ${spec.quantizer} stream cannot hold its zero weights; use the bitmap or delta encoding`);
  }
  const encoded = encodeWeights(layer.codes, layer.fields, rows, spec.bits, layer.signed, encoding);
  const sparsity = 1 - encoded.nonzeros / rowMajor.length;
  const what = `${description}: ${spec.bits}-bit ${spec.quantizer}, ${(100 * sparsity).toFixed(1)}% pruned, ${encoding}`;
  const arrays: CArray[] = encoded.codeBytes.length ? [{ name: `${prefix}__codes`, type: 'uint8_t', values: encoded.codeBytes, comment: `${what}: codes` }] : [];
  if (encoded.indexBytes.length > 0) arrays.push({ name: `${prefix}__index`, type: 'uint8_t', values: encoded.indexBytes, comment: `${what}: ${encoding === 'bitmap' ? 'nonzero bitmap' : 'row counts and distances'}` });
  const bf16 = layer.scaleFormat === 'bfloat16';
  if (layer.scales.length > 0) {
    const values = bf16 ? Uint16Array.from(layer.scales, bfloat16Bits) : layer.scales;
    arrays.push({ name: `${prefix}__scales`, type: bf16 ? 'uint16_t' : 'float', values, comment: `${what}: ${bf16 ? 'bfloat16 ' : ''}scales` });
  }
  if (layer.levels.length > 0) arrays.push({ name: `${prefix}__levels`, type: 'float', values: layer.levels, comment: `${what}: codebook levels` });
  // the arrays this layer has (a pointer left out of a designated initializer is NULL)
  const pointers = {
    ...(encoded.codeBytes.length > 0 ? { codes: `${prefix}__codes` } : {}),
    ...(encoded.indexBytes.length > 0 ? { index: `${prefix}__index` } : {}),
    ...(layer.scales.length > 0 ? { [bf16 ? 'scales_bf16' : 'scales']: `${prefix}__scales` } : {}),
    ...(layer.levels.length > 0 ? { levels: `${prefix}__levels` } : {}),
  };
  return {
    init: designated({ encoding: ENCODING_ENUM[encoding], quantizer: QUANTIZER_ENUM[spec.quantizer], bits: spec.bits, index_bits: encoded.indexBits, rows, row_length: rowLength, ...pointers }),
    arrays,
    size: { ...size, encoding, indexBytes: encoded.indexBytes.length, codeBytes: encoded.codeBytes.length, total: encoded.indexBytes.length + encoded.codeBytes.length + size.scaleBytes + size.levelBytes + size.biasBytes },
    packed: true,
    sparse: encoding !== 'dense',
    deployed: layer.dequantized,
  };
}

/**
 * An integer layer's codes (src/quant/integer-graph.ts), row-major, `bits` wide (1: sign
 * codes +1/-1, stored as one bit; 2..8: signed), encoded as `encoding` or the cheapest; the
 * kernels read them with ecgc_row_codes, no scales. Its size counts the requantization and
 * bias as integerLayerSize does (they are emitted as the node's constants).
 */
export function emitCodes(prefix: string, description: string, codes: Int32Array, rows: number, bits: number, encoding?: Encoding): EmittedWeights {
  const sign = bits === 1;
  const size = integerLayerSize(codes, rows, bits);
  const chosen = encoding ?? size.encoding;
  if (chosen === 'dense' && sign && codes.some((c) => c === 0)) fail(`${description}: a dense 1-bit stream cannot hold its zero weights; use the bitmap or delta encoding`);
  const fields = sign ? codes.map((c) => (c > 0 ? 1 : 0)) : codes;
  const encoded = encodeWeights(codes, fields, rows, bits, !sign, chosen as Encoding);
  const what = `${description}: ${bits}-bit codes, ${(100 * (1 - encoded.nonzeros / codes.length)).toFixed(1)}% pruned, ${chosen}`;
  const arrays: CArray[] = [];
  if (encoded.codeBytes.length > 0) arrays.push({ name: `${prefix}__codes`, type: 'uint8_t', values: encoded.codeBytes, comment: `${what}: codes` });
  if (encoded.indexBytes.length > 0) arrays.push({ name: `${prefix}__index`, type: 'uint8_t', values: encoded.indexBytes, comment: `${what}: ${chosen === 'bitmap' ? 'nonzero bitmap' : 'row counts and distances'}` });
  const pointers = {
    ...(encoded.codeBytes.length > 0 ? { codes: `${prefix}__codes` } : {}),
    ...(encoded.indexBytes.length > 0 ? { index: `${prefix}__index` } : {}),
  };
  return {
    init: designated({ encoding: ENCODING_ENUM[chosen as Encoding], quantizer: sign ? 'ECGC_SIGN' : 'ECGC_UNIFORM', bits, index_bits: encoded.indexBits, rows, row_length: codes.length / rows, ...pointers }),
    arrays,
    size: { ...size, encoding: chosen as Encoding, indexBytes: encoded.indexBytes.length, codeBytes: encoded.codeBytes.length, total: encoded.indexBytes.length + encoded.codeBytes.length + size.scaleBytes + size.biasBytes },
    packed: true,
    sparse: chosen !== 'dense',
    deployed: Float32Array.from(codes),
  };
}
