/* Softmax over the middle axis (src/ops/softmax.ts). */
#include "ecgc.h"
#include "ecgc_approx.h"

void ecgc_softmax_f32(const float *x, float *y, int32_t outer, int32_t n, int32_t inner) {
  int32_t o, i, j;
  for (o = 0; o < outer; o++) {
    for (i = 0; i < inner; i++) {
      const float *xi = x + o * n * inner + i;
      float *yi = y + o * n * inner + i;
      float max = xi[0], sum = 0.0f;
      for (j = 1; j < n; j++) if (xi[j * inner] > max) max = xi[j * inner];
      for (j = 0; j < n; j++) {
        const float e = ecgc_expf(xi[j * inner] - max);
        yi[j * inner] = e;
        sum = sum + e;
      }
      for (j = 0; j < n; j++) yi[j * inner] = yi[j * inner] / sum;
    }
  }
}
