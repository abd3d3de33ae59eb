/**
 * MatMul's reference, fast: the sums of src/ops/mat-mul.ts, bit for bit (acc = 0, then
 * acc = fround(acc + fround(a[m, k] * b[k, n])) for k ascending; the suite checks). The
 * definition reads a column of B per output, a cache miss per step on a transformer's
 * [512, 2048] weights (MatMul was 70% of HuBERT-ECG's reference time, at a fifth of Conv's
 * speed). Here sixteen columns of a row (then four) run at a time in WebAssembly SIMD (simd.ts as
 * a 1-tap conv: the rows of B are its channels), K_BLOCK rows of B at a time so that they stay in
 * cache; the columns left over, and everything without SIMD, in JavaScript, a row of B at a
 * time. Each output's partial sum is stored and reloaded between blocks: the same order.
 */
import type { TensorData } from '../../ir/graph.js';
import type { Kernel, OpContext } from '../../ops/op.js';
import { geometry } from '../../ops/mat-mul.js';
import { simdConv } from './simd.js';

/** Rows of B per pass over an output row (16 of 2048 floats: 128 KB; measured fastest). */
const K_BLOCK = 16;

export function prepareMatMul(ctx: OpContext): Kernel {
  const { M, K, N, batch, aBatch, bBatch } = geometry(ctx);
  const simd = simdConv();
  const quads = simd ? Math.floor(N / 4) : 0;
  const simdColumns = 4 * quads;
  return ([a, b], [y]) => {
    for (let p = 0; p < batch; p++) {
      const [aBase, bBase, yBase] = [aBatch[p] * M * K, bBatch[p] * K * N, p * M * N];
      if (quads > 0) {
        // B, then A, then Y in the module's memory
        const [A, Y] = [K * N, K * N + M * K];
        const memory = simd!.view(Y + M * N);
        memory.set(b.subarray(bBase, bBase + K * N), 0);
        memory.set(a.subarray(aBase, aBase + M * K), A);
        memory.fill(0, Y, Y + M * N);
        for (let k0 = 0; k0 < K; k0 += K_BLOCK) {
          const rows = Math.min(K_BLOCK, K - k0);
          for (let m = 0; m < M; m++) simd!.run(k0 * N, A + m * K + k0, Y + m * N, rows, N, 1, 0, quads);
        }
        for (let m = 0; m < M; m++) y.set(memory.subarray(Y + m * N, Y + m * N + simdColumns), yBase + m * N);
      }
      if (simdColumns < N) columns(a, b, y, M, K, N, aBase, bBase, yBase, simdColumns);
    }
  };
}

/** Columns [from, N) of one batch's product, a row of B at a time. */
function columns(a: TensorData, b: TensorData, y: TensorData, M: number, K: number, N: number, aBase: number, bBase: number, yBase: number, from: number): void {
  const f = Math.fround;
  for (let m = 0; m < M; m++) {
    const row = yBase + m * N;
    y.fill(0, row + from, row + N);
    for (let k = 0; k < K; k++) {
      const av = a[aBase + m * K + k];
      const bRow = bBase + k * N;
      for (let n = from; n < N; n++) y[row + n] = f(y[row + n] + f(av * b[bRow + n]));
    }
  }
}
