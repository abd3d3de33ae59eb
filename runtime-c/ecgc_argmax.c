/* ArgMax and ArgMin over the middle axis of (outer, n, inner) into int64 indices (src/ops/arg-max.ts, arg-min.ts). */
#include "ecgc.h"

/* The index of the largest of sign * x along the axis (sign -1: the smallest x; negation is exact). */
static void arg_extreme(const float *x, int64_t *y, int32_t outer, int32_t n, int32_t inner, int32_t select_last, float sign) {
  int32_t o, i, j;
  for (o = 0; o < outer; o++) {
    for (i = 0; i < inner; i++) {
      const float *xi = x + o * n * inner + i;
      int32_t best = 0;
      for (j = 1; j < n; j++) if (sign * xi[j * inner] > sign * xi[best * inner] || (select_last && xi[j * inner] == xi[best * inner])) best = j;
      y[o * inner + i] = best;
    }
  }
}

void ecgc_argmax_f32(const float *x, int64_t *y, int32_t outer, int32_t n, int32_t inner, int32_t select_last) {
  arg_extreme(x, y, outer, n, inner, select_last, 1.0f);
}

void ecgc_argmin_f32(const float *x, int64_t *y, int32_t outer, int32_t n, int32_t inner, int32_t select_last) {
  arg_extreme(x, y, outer, n, inner, select_last, -1.0f);
}
