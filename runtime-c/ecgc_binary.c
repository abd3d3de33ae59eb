/* Add, Sub, Mul, Div with broadcasting (src/ops/binary.ts): one rounding per element. */
#include "ecgc.h"

static float apply(int32_t op, float a, float b) {
  switch (op) {
  case ECGC_ADD: return a + b;
  case ECGC_SUB: return a - b;
  case ECGC_MUL: return a * b;
  default: return a / b;
  }
}

void ecgc_binary_f32(int32_t op, const float *a, const int32_t *a_strides, const float *b, const int32_t *b_strides, float *y, const int32_t *shape, int32_t rank) {
  int32_t index[6] = {0, 0, 0, 0, 0, 0}, d, ia = 0, ib = 0, total = 1, i;
  for (d = 0; d < rank; d++) total *= shape[d];
  for (i = 0; i < total; i++) {
    y[i] = apply(op, a[ia], b[ib]);
    /* advance the output index (row-major) and both input offsets */
    for (d = rank - 1; d >= 0; d--) {
      ia += a_strides[d];
      ib += b_strides[d];
      if (++index[d] < shape[d]) break;
      ia -= a_strides[d] * shape[d];
      ib -= b_strides[d] * shape[d];
      index[d] = 0;
    }
  }
}
