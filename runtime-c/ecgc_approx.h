/*
 * Float32 approximations of exp, tanh, sigmoid and erf: the same operations in the same
 * order as src/ops/approx.ts, so host and Cortex-M builds give the TypeScript reference's
 * bits (compile with -ffp-contract=off; never -ffast-math). No libm: glibc and newlib differ.
 */
#ifndef ECGC_APPROX_H
#define ECGC_APPROX_H

#include <stdint.h>
#include <string.h>

static inline float ecgc_pow2i(int32_t n) { /* 2^n for n in [-126, 127], built from its bits */
  uint32_t bits = (uint32_t)(n + 127) << 23;
  float f;
  memcpy(&f, &bits, sizeof f);
  return f;
}

static inline float ecgc_expf(float x) {
  const float log2e = 1.44269502163f, ln2_hi = 0.693145751953125f, ln2_lo = 1.42860677e-06f;
  float t, r, p, er;
  int32_t n;
  x = x < -87.0f ? -87.0f : x > 88.0f ? 88.0f : x;
  t = x * log2e;
  n = (int32_t)(t >= 0.0f ? t + 0.5f : t - 0.5f);
  r = x - (float)n * ln2_hi;
  r = r - (float)n * ln2_lo;
  p = 0.000198992726f;
  p = p * r + 0.00139336567f;
  p = p * r + 0.00833329838f;
  p = p * r + 0.041666463f;
  p = p * r + 0.166666672f;
  p = p * r + 0.5f;
  er = r * r * p + r + 1.0f;
  return er * ecgc_pow2i(n);
}

static inline float ecgc_tanhf(float x) {
  float a = x < 0.0f ? -x : x, t;
  if (a < 0.625f) {
    float s = x * x, p = -0.00615520682f;
    p = p * s + 0.0210456941f;
    p = p * s + -0.0538639203f;
    p = p * s + 0.133328900f;
    p = p * s + -0.333333313f;
    return p * s * x + x;
  }
  t = a > 9.0f ? 1.0f : 1.0f - 2.0f / (ecgc_expf(2.0f * a) + 1.0f);
  return x < 0.0f ? -t : t;
}

static inline float ecgc_sigmoidf(float x) { return 1.0f / (1.0f + ecgc_expf(-x)); }

static inline float ecgc_erff(float x) {
  static const float erf_c[7] = {1.12837923f, -0.376126289f, 0.112836257f, -0.0268553998f, 0.00519121811f, -0.000803484407f, 7.9334859e-05f};
  static const float erfc_c[9] = {0.000274946768f, 0.558959723f, 0.0426082090f, -0.473952025f, 0.502196968f, -0.249204814f, 0.0299083125f, 0.0256627705f, -0.00887056999f};
  float a = x < 0.0f ? -x : x, t = 1.0f;
  int i;
  if (a < 1.0f) {
    float s = x * x, p = erf_c[6];
    for (i = 5; i >= 0; i--) p = p * s + erf_c[i];
    return p * x;
  }
  if (a < 4.0f) {
    float u = 1.0f / a, q = erfc_c[8];
    for (i = 7; i >= 0; i--) q = q * u + erfc_c[i];
    t = 1.0f - ecgc_expf(-(a * a)) * q;
  }
  return x < 0.0f ? -t : t;
}

#endif
