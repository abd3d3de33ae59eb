/* MaxPool and AveragePool, 1-D (src/ops/max-pool.ts, average-pool.ts). */
#include "ecgc.h"

void ecgc_maxpool1d_f32(const float *x, float *y, int32_t channels, int32_t in_length, int32_t out_length, int32_t kernel, int32_t stride, int32_t dilation, int32_t pad_begin) {
  int32_t c, t, k;
  for (c = 0; c < channels; c++) {
    const float *xc = x + c * in_length;
    for (t = 0; t < out_length; t++) {
      const int32_t start = t * stride - pad_begin;
      int first = 1;
      float max = 0.0f;
      for (k = 0; k < kernel; k++) {
        const int32_t i = start + k * dilation;
        if (i < 0 || i >= in_length) continue;
        if (first || xc[i] > max) max = xc[i];
        first = 0;
      }
      y[c * out_length + t] = max;
    }
  }
}

void ecgc_avgpool1d_f32(const float *x, float *y, int32_t channels, int32_t in_length, int32_t out_length, int32_t kernel, int32_t stride, int32_t pad_begin, const float *divisor) {
  int32_t c, t, i;
  for (c = 0; c < channels; c++) {
    const float *xc = x + c * in_length;
    for (t = 0; t < out_length; t++) {
      const int32_t start = t * stride - pad_begin;
      const int32_t first = start < 0 ? 0 : start, last = start + kernel > in_length ? in_length : start + kernel;
      float sum = 0.0f;
      for (i = first; i < last; i++) sum = sum + xc[i];
      y[c * out_length + t] = sum / divisor[t];
    }
  }
}
