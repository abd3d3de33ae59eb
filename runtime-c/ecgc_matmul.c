/* MatMul of two run-time operands (src/ops/mat-mul.ts): acc = 0, k ascending. */
#include "ecgc.h"

void ecgc_matmul_f32(const float *a, const float *b, float *y, int32_t batch, int32_t m, int32_t k, int32_t n, int32_t a_step, int32_t b_step) {
  int32_t p, i, j, q;
  for (p = 0; p < batch; p++) {
    const float *ap = a + p * a_step, *bp = b + p * b_step;
    float *yp = y + p * m * n;
    for (i = 0; i < m; i++) {
      for (j = 0; j < n; j++) {
        float acc = 0.0f;
        for (q = 0; q < k; q++) acc = acc + ap[i * k + q] * bp[q * n + j];
        yp[i * n + j] = acc;
      }
    }
  }
}
