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

/* v rounded to the nearest integer, midpoints to even (|v| below 2^22 here), without libm. */
static float round_half_even(float v) {
  const float t = (float)(int32_t)v, rest = v - t; /* exact: t and v share their exponent range */
  if (rest > 0.5f || (rest == 0.5f && ((int32_t)t & 1))) return t + 1.0f;
  if (rest < -0.5f || (rest == -0.5f && ((int32_t)t & 1))) return t - 1.0f;
  return t;
}

/* ONNX's QuantizeLinear to [min, max]: round(x / scale) + zero point, saturated; NaN gives 0 as in the reference. */
static int32_t quantize_linear(float x, float scale, int32_t zero_point, int32_t min, int32_t max) {
  float v = x / scale;
  int32_t q;
  if (v != v) return 0;
  v = v < -4194304.0f ? -4194304.0f : v > 4194304.0f ? 4194304.0f : v;
  q = (int32_t)round_half_even(v) + zero_point;
  return q < min ? min : q > max ? max : q;
}

#define ECGC_CHANNEL(p, i) (((i) / (p)->inner) % (p)->channels)

void ecgc_quantize_linear_s8(const ecgc_linear_quantization_t *p, const float *x, int8_t *y) {
  int32_t i;
  for (i = 0; i < p->n; i++) y[i] = (int8_t)quantize_linear(x[i], p->scale[ECGC_CHANNEL(p, i)], p->zero_point[ECGC_CHANNEL(p, i)], -128, 127);
}

void ecgc_quantize_linear_u8(const ecgc_linear_quantization_t *p, const float *x, uint8_t *y) {
  int32_t i;
  for (i = 0; i < p->n; i++) y[i] = (uint8_t)quantize_linear(x[i], p->scale[ECGC_CHANNEL(p, i)], p->zero_point[ECGC_CHANNEL(p, i)], 0, 255);
}

void ecgc_dequantize_linear_s8(const ecgc_linear_quantization_t *p, const int8_t *x, float *y) {
  int32_t i;
  for (i = 0; i < p->n; i++) y[i] = (float)((int32_t)x[i] - p->zero_point[ECGC_CHANNEL(p, i)]) * p->scale[ECGC_CHANNEL(p, i)];
}

void ecgc_dequantize_linear_u8(const ecgc_linear_quantization_t *p, const uint8_t *x, float *y) {
  int32_t i;
  for (i = 0; i < p->n; i++) y[i] = (float)((int32_t)x[i] - p->zero_point[ECGC_CHANNEL(p, i)]) * p->scale[ECGC_CHANNEL(p, i)];
}
