/** Bit packing, the sparse encodings and their byte counts, and the quantizers. */
import { describe, expect, it } from 'vitest';
import { bfloat16, bfloat16Bits, quantizeLayer, roundHalfEven } from '../../src/plan/quantize.js';
import { packBits, unpackBits } from '../../src/pack/bits.js';
import { chooseEncoding, encodeWeights, encodingSizes } from '../../src/pack/encode.js';
import { quantizedLayerSize } from '../../src/pack/size.js';
import { lcg, randomFloats } from '../helpers/random.js';

describe('bit packing', () => {
  it('round-trips every width 1..8 (and 16), signed and unsigned, with no padding', () => {
    const next = lcg(5);
    for (let bits = 1; bits <= 16; bits = bits === 8 ? 16 : bits + 1) {
      for (const signed of [false, true]) {
        if (signed && bits === 1) continue;
        const lo = signed ? -(2 ** (bits - 1)) : 0;
        const values = Array.from({ length: 37 }, () => lo + Math.floor(next() * 2 ** bits));
        const bytes = packBits(values, bits, signed);
        expect(bytes.length).toBe(Math.ceil((37 * bits) / 8));
        expect(Array.from(unpackBits(bytes, 37, bits, signed))).toEqual(values);
      }
    }
  });

  it('puts the first 4-bit value in the low nibble (CMSIS-NN order) and LSB first in general', () => {
    expect(Array.from(packBits([1, 2, -1, 7], 4, true))).toEqual([0x21, 0x7f]);
    expect(Array.from(packBits([1, 0, 1, 1, 0, 0, 0, 0, 1], 1, false))).toEqual([0b1101, 0b1]);
    expect(Array.from(packBits([5, 3, 1], 3, false))).toEqual([5 + (3 << 3) + (1 << 6), 0]); // 101, 011, 001 from bit 0
  });

  it('refuses values that do not fit', () => {
    expect(() => packBits([8], 4, true)).toThrow(/does not fit a signed 4-bit field/);
    expect(() => packBits([-1], 3, false)).toThrow(/does not fit/);
  });
});

describe('encodings', () => {
  const rows = 6;
  const rowLength = 40;
  const codesWithSparsity = (sparsity: number) => {
    const next = lcg(9);
    return Int32Array.from({ length: rows * rowLength }, () => (next() < sparsity ? 0 : 1 + Math.floor(next() * 7) - 4 || 1));
  };

  it('emits exactly the bytes encodingSizes predicts, for every encoding and sparsity', () => {
    for (const sparsity of [0, 0.3, 0.7, 0.95, 1]) {
      const codes = codesWithSparsity(sparsity);
      for (const size of encodingSizes(codes, rows, 4)) {
        const e = encodeWeights(codes, codes, rows, 4, true, size.encoding);
        expect(e.indexBytes.length + e.codeBytes.length).toBe(size.total);
      }
    }
  });

  it('chooses dense when weights are dense and a sparse encoding when most are pruned', () => {
    expect(chooseEncoding(codesWithSparsity(0), rows, 4, true).encoding).toBe('dense');
    expect(chooseEncoding(codesWithSparsity(0.95), rows, 4, true).encoding).toBe('delta');
    const sizes = encodingSizes(codesWithSparsity(0.5), rows, 8);
    expect(chooseEncoding(codesWithSparsity(0.5), rows, 8, true).total).toBe(Math.min(...sizes.map((s) => s.total)));
  });

  it('bitmap and delta decode back to the codes', () => {
    const codes = codesWithSparsity(0.6);
    const bitmap = encodeWeights(codes, codes, rows, 4, true, 'bitmap');
    const mask = unpackBits(bitmap.indexBytes, codes.length, 1, false);
    const values = unpackBits(bitmap.codeBytes, bitmap.nonzeros, 4, true);
    let v = 0;
    expect(Array.from(mask, (m) => (m ? values[v++] : 0))).toEqual(Array.from(codes));

    const delta = encodeWeights(codes, codes, rows, 4, true, 'delta');
    const decoded = new Int32Array(codes.length);
    const gaps = unpackBits(delta.indexBytes, delta.nonzeros, delta.indexBits, false, 2 * rows);
    const nonzero = unpackBits(delta.codeBytes, delta.nonzeros, 4, true);
    let k = 0;
    for (let r = 0; r < rows; r++) {
      const count = delta.indexBytes[2 * r] | (delta.indexBytes[2 * r + 1] << 8);
      let position = -1;
      for (let j = 0; j < count; j++, k++) {
        position += gaps[k];
        decoded[r * rowLength + position] = nonzero[k];
      }
    }
    expect(Array.from(decoded)).toEqual(Array.from(codes));
  });
});

describe('quantizers', () => {
  const rows = 4;
  const w = randomFloats(rows * 30, 3, 0.2);

  it('uniform: per-row scale max|w| / (2^(b-1) - 1), codes rounded half to even, dequantized = fround(code * scale)', () => {
    for (let bits = 2; bits <= 8; bits++) {
      const q = quantizeLayer(w, rows, { bits, quantizer: 'uniform', threshold: -1 });
      const qmax = 2 ** (bits - 1) - 1;
      for (let r = 0; r < rows; r++) {
        const row = w.subarray(r * 30, (r + 1) * 30);
        expect(q.scales[r]).toBe(Math.fround(Math.max(...Array.from(row, Math.abs)) / qmax));
      }
      for (let i = 0; i < w.length; i++) {
        const scale = q.scales[Math.floor(i / 30)];
        expect(Math.abs(q.codes[i])).toBeLessThanOrEqual(qmax);
        expect(q.dequantized[i]).toBe(Math.fround(q.codes[i] * scale));
        expect(Math.abs(q.dequantized[i] - w[i])).toBeLessThanOrEqual(scale / 2 + 1e-7);
      }
    }
    expect([0.5, 1.5, 2.5, -0.5, -2.5, 2.4].map(roundHalfEven)).toEqual([0, 2, 2, -0, -2, 2]);
  });

  it('bfloat16 scales: the float32 scale rounded to its top 16 bits (nearest even), the codes computed with it', () => {
    expect([1, 1 + 2 ** -8, 1 + 3 * 2 ** -8, 1 + 2 ** -7, 0.1].map((x) => bfloat16Bits(Math.fround(x)).toString(16))).toEqual(['3f80', '3f80', '3f82', '3f81', '3dcd']);
    // a weight that the float32 scale rounds down and its bfloat16 rounding (1.0035 -> 1) up: the code follows the stored scale
    const s = Math.fround(1.0035);
    const edge = Float32Array.of(3 * s, 1.5 * s * 0.9999);
    expect(Array.from(quantizeLayer(edge, 1, { bits: 3, quantizer: 'uniform', threshold: -1 }).codes)).toEqual([3, 1]);
    expect(Array.from(quantizeLayer(edge, 1, { bits: 3, quantizer: 'uniform', threshold: -1, scaleFormat: 'bfloat16' }).codes)).toEqual([3, 2]);
    for (const quantizer of ['uniform', 'uniform-layer', 'sign'] as const) {
      const bits = quantizer === 'sign' ? 1 : 3;
      const float = quantizeLayer(w, rows, { bits, quantizer, threshold: 0.02 });
      const q = quantizeLayer(w, rows, { bits, quantizer, threshold: 0.02, scaleFormat: 'bfloat16' });
      expect(q.scaleFormat).toBe('bfloat16');
      q.scales.forEach((scale, r) => {
        expect(scale).toBe(bfloat16(float.scales[r]));
        expect(new Uint32Array(Float32Array.of(scale).buffer)[0] & 0xffff).toBe(0);
        expect(Math.abs(scale / float.scales[r] - 1)).toBeLessThanOrEqual(2 ** -8);
      });
      const rowLength = w.length / rows;
      for (let i = 0; i < w.length; i++) {
        const scale = q.scales[quantizer === 'uniform-layer' ? 0 : Math.floor(i / rowLength)];
        expect(Math.abs(q.codes[i])).toBeLessThanOrEqual(2 ** (bits - 1) - (bits === 1 ? 0 : 1));
        expect(q.dequantized[i]).toBe(Math.fround(q.codes[i] * scale));
        // the code is rounded with the bfloat16 scale itself (sign keeps the sign either way)
        const kept = Math.abs(w[i]) > 0.02;
        const qmax = 2 ** (bits - 1) - 1;
        const expected = !kept ? 0 : quantizer === 'sign' ? Math.sign(w[i]) : Math.max(-qmax, Math.min(qmax, roundHalfEven(w[i] / scale)));
        expect(q.codes[i] + 0).toBe(expected + 0);
      }
      // the scales' bytes halve; nothing else changes size
      const size = (layer: typeof q) => quantizedLayerSize(layer, rows, bits, rows);
      expect(size(float).scaleBytes).toBe(2 * size(q).scaleBytes);
      expect(size(float).total - size(q).total).toBe(2 * q.scales.length);
    }
  });

  it('pruning zeroes |w| <= threshold exactly and keeps the rest', () => {
    const q = quantizeLayer(w, rows, { bits: 4, quantizer: 'uniform', threshold: 0.1 });
    for (let i = 0; i < w.length; i++) {
      if (Math.abs(w[i]) <= 0.1) expect([q.codes[i], q.dequantized[i]]).toEqual([0, 0]);
    }
  });

  it('sign: +-mean|w| per row, one bit per weight, zeros need a sparse encoding', () => {
    const q = quantizeLayer(w, rows, { bits: 1, quantizer: 'sign', threshold: 0.05 });
    expect(q.zeroRepresentable).toBe(false);
    for (let i = 0; i < w.length; i++) {
      if (Math.abs(w[i]) > 0.05) expect(q.dequantized[i]).toBe(Math.sign(w[i]) * q.scales[Math.floor(i / 30)]);
      expect(q.fields[i]).toBe(q.codes[i] > 0 ? 1 : 0);
    }
    expect(chooseEncoding(q.codes, rows, 1, false).encoding).not.toBe('dense');
  });

  it('codebook: nearest level, level 0 is zero', () => {
    const levels = [0, -0.2, -0.1, 0.1, 0.2, 0.3, -0.3, 0.05];
    const q = quantizeLayer(w, rows, { bits: 3, quantizer: 'codebook', threshold: -1, levels });
    for (let i = 0; i < w.length; i++) {
      const nearest = Math.min(...levels.map((l) => Math.abs(w[i] - Math.fround(l))));
      expect(Math.abs(w[i] - q.dequantized[i])).toBeCloseTo(nearest, 7);
      expect(q.dequantized[i]).toBe(Math.fround(levels[q.codes[i]]));
    }
    expect(() => quantizeLayer(w, rows, { bits: 3, quantizer: 'codebook', threshold: -1, levels: [0.1, ...levels.slice(1)] })).toThrow(/first 0/);
  });
});
