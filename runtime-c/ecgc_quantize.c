/* Quantize and dequantize int8 activations (ecgc.h; src/quant/activations.ts). */
#include "ecgc.h"

void ecgc_quantize_s8(const float *x, int8_t *y, int32_t n, float inverse_scale, int32_t zero_point) {
  int32_t i;
  for (i = 0; i < n; i++) {
    float v = x[i] * inverse_scale;
    int32_t q;
    v = v < -256.0f ? -256.0f : v > 256.0f ? 256.0f : v;
    q = (int32_t)(v >= 0.0f ? v + 0.5f : v - 0.5f) + zero_point;
    y[i] = (int8_t)(q < -128 ? -128 : q > 127 ? 127 : q);
  }
}

void ecgc_dequantize_s8(const int8_t *x, float *y, int32_t n, float scale, int32_t zero_point) {
  int32_t i;
  for (i = 0; i < n; i++) y[i] = (float)((int32_t)x[i] - zero_point) * scale;
}
