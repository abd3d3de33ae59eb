/*
 * MatMul of two run-time operands (src/ops/mat-mul.ts): acc = 0, k ascending. Four columns of a
 * row at a time share each load of a[i, q] (attention's QK^T and AV: about 3.5 instructions a
 * MAC on a Cortex-M7, where one column at a time takes 7); every sum in the same order.
 */
#include "ecgc.h"

void ecgc_matmul_f32(const float *a, const float *b, float *y, int32_t batch, int32_t m, int32_t k, int32_t n, int32_t a_step, int32_t b_step) {
  int32_t p, i, j, q;
  for (p = 0; p < batch; p++) {
    const float *ap = a + p * a_step, *bp = b + p * b_step;
    float *yp = y + p * m * n;
    for (i = 0; i < m; i++) {
      const float *ai = ap + i * k;
      for (j = 0; j + 4 <= n; j += 4) {
        float acc0 = 0.0f, acc1 = 0.0f, acc2 = 0.0f, acc3 = 0.0f;
        for (q = 0; q < k; q++) {
          const float av = ai[q];
          const float *bq = bp + q * n + j;
          acc0 = acc0 + av * bq[0];
          acc1 = acc1 + av * bq[1];
          acc2 = acc2 + av * bq[2];
          acc3 = acc3 + av * bq[3];
        }
        yp[i * n + j] = acc0;
        yp[i * n + j + 1] = acc1;
        yp[i * n + j + 2] = acc2;
        yp[i * n + j + 3] = acc3;
      }
      for (; j < n; j++) {
        float acc = 0.0f;
        for (q = 0; q < k; q++) acc = acc + ai[q] * bp[q * n + j];
        yp[i * n + j] = acc;
      }
    }
  }
}
