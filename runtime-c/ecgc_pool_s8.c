/* Pools on int8 activations (ecgc.h). */
#include "ecgc.h"
#include "ecgc_requantize.h"

void ecgc_global_average_pool_s8(const ecgc_global_pool_s8_t *p, const int8_t *x, int8_t *y) {
  int32_t c, t;
  for (c = 0; c < p->channels; c++) {
    const int8_t *xc = x + c * p->count;
    int32_t acc = 0;
    for (t = 0; t < p->count; t++) acc += (int32_t)xc[t] + p->input_offset;
    y[c] = ecgc_output_s8(acc, p->multiplier, p->shift, p->output_offset, p->act_min, p->act_max);
  }
}

void ecgc_maxpool1d_s8(const int8_t *x, int8_t *y, int32_t channels, int32_t in_length, int32_t out_length, int32_t kernel, int32_t stride, int32_t dilation, int32_t pad_begin, int32_t zero_point, int32_t act_min, int32_t act_max) {
  int32_t c, t, k;
  for (c = 0; c < channels; c++) {
    const int8_t *xc = x + c * in_length;
    for (t = 0; t < out_length; t++) {
      const int32_t start = t * stride - pad_begin;
      int32_t max = -129;
      for (k = 0; k < kernel; k++) {
        const int32_t i = start + k * dilation;
        if (i >= 0 && i < in_length && xc[i] > max) max = xc[i];
      }
      y[c * out_length + t] = (int8_t)ecgc_clamp(max == -129 ? zero_point : max, act_min, act_max);
    }
  }
}

void ecgc_avgpool1d_s8(const int8_t *x, int8_t *y, int32_t channels, int32_t in_length, int32_t out_length, int32_t kernel, int32_t stride, int32_t pad_begin, const int32_t *divisor, int32_t zero_point, int32_t act_min, int32_t act_max) {
  int32_t c, t, i;
  for (c = 0; c < channels; c++) {
    const int8_t *xc = x + c * in_length;
    for (t = 0; t < out_length; t++) {
      const int32_t start = t * stride - pad_begin, d = divisor[t];
      const int32_t first = start < 0 ? 0 : start, last = start + kernel > in_length ? in_length : start + kernel;
      int32_t sum = 0;
      for (i = first; i < last; i++) sum += (int32_t)xc[i] - zero_point;
      /* midpoints away from zero, as arm_avgpool_s8 */
      sum = (sum >= 0 ? sum + d / 2 : sum - d / 2) / d;
      y[c * out_length + t] = (int8_t)ecgc_clamp(sum + zero_point, act_min, act_max);
    }
  }
}
