/* Mean and max over the middle axis (ReduceMean, GlobalAveragePool, GlobalMaxPool). */
#include "ecgc.h"

void ecgc_reduce_mean_f32(const float *x, float *y, int32_t outer, int32_t n, int32_t inner) {
  int32_t o, i, j;
  for (o = 0; o < outer; o++) {
    for (i = 0; i < inner; i++) {
      const float *xi = x + o * n * inner + i;
      float sum = 0.0f;
      for (j = 0; j < n; j++) sum = sum + xi[j * inner];
      y[o * inner + i] = sum / (float)n;
    }
  }
}

void ecgc_reduce_max_f32(const float *x, float *y, int32_t outer, int32_t n, int32_t inner) {
  int32_t o, i, j;
  for (o = 0; o < outer; o++) {
    for (i = 0; i < inner; i++) {
      const float *xi = x + o * n * inner + i;
      float max = xi[0];
      for (j = 1; j < n; j++) if (xi[j * inner] > max) max = xi[j * inner];
      y[o * inner + i] = max;
    }
  }
}
